package samtemplate

// API is an AWS::Serverless::Api (REST) or AWS::Serverless::HttpApi
// resource of the template.
type API struct {
	LogicalID string
	Type      string // TypeAPI or TypeHTTPAPI
	// Condition is the resource's Condition ("" when it has none);
	// Template.Condition evaluates it, APIsFor leaves out the false ones.
	Condition string
	// DefinitionLocation is where the OpenAPI definition comes from, as
	// written in the template: the Location of a DefinitionBody that is
	// an AWS::Include transform, else DefinitionUri (a path, or
	// s3://Bucket/Key), else Globals.Api / Globals.HttpApi DefinitionUri.
	// A relative path is relative to the template's directory. "" when
	// the definition is inline (a literal DefinitionBody), built by SAM
	// from the functions' events, or given by an expression.
	DefinitionLocation string
	// StageName is the evaluated StageName; "$default" for an HttpApi
	// without one (SAM's default stage, served at the root without a path
	// prefix); "" when it cannot be evaluated.
	StageName string
}

// APIs returns the template's AWS::Serverless::Api and
// AWS::Serverless::HttpApi resources sorted by logical id, with StageName
// evaluated from the parameters' defaults, all of them whatever their
// Condition. APIsFor evaluates with given parameter values.
func (t *Template) APIs() []API {
	e, _ := t.newEvaluator(nil)
	apis, _ := t.apis(e, true)
	return apis
}

// APIsFor returns the APIs the stack has with these parameter values
// (those whose Condition is false are left out), StageName evaluated
// with them. A Condition or StageName that cannot be evaluated is an
// error.
func (t *Template) APIsFor(params map[string]string) ([]API, error) {
	e, problems := t.newEvaluator(params)
	if len(problems) > 0 {
		return nil, joinProblems(problems)
	}
	return t.apis(e, false)
}

func (t *Template) apis(e *evaluator, all bool) ([]API, error) {
	var out []API
	var problems []error
	for _, id := range t.sortedResources() {
		r := t.resources[id]
		if r.typ != TypeAPI && r.typ != TypeHTTPAPI {
			continue
		}
		if !all {
			ok, err := e.created(r)
			if err != nil {
				problems = append(problems, err)
				continue
			}
			if !ok {
				continue
			}
		}
		a := API{LogicalID: id, Type: r.typ, Condition: r.condition, DefinitionLocation: t.definitionLocation(r)}
		stage := r.props.get("StageName")
		switch {
		case stage == nil && r.typ == TypeHTTPAPI:
			a.StageName = "$default"
		case stage != nil:
			v, err := e.eval(stage, 0)
			switch {
			case err != nil:
				problems = append(problems, err)
			case v.kind == vString:
				a.StageName = v.str
			case v.kind == vNoValue && r.typ == TypeHTTPAPI:
				a.StageName = "$default"
			case !all:
				problems = append(problems, problemf(ErrUnsupported, stage.line, "%s: StageName is %s", id, v.describe()))
			}
		}
		out = append(out, a)
	}
	if !all && len(problems) > 0 {
		return nil, joinProblems(problems)
	}
	return out, nil
}

func (t *Template) definitionLocation(r *resource) string {
	if body := r.props.get("DefinitionBody"); body != nil {
		name, arg, ok := body.intrinsic()
		if !ok || name != "Fn::Transform" || arg.get("Name") == nil || arg.get("Name").text != "AWS::Include" {
			return ""
		}
		if loc := arg.get("Parameters").get("Location"); loc != nil && loc.kind == scalarNode {
			return loc.text
		}
		return ""
	}
	uri := r.props.get("DefinitionUri")
	if uri == nil {
		g := "Api"
		if r.typ == TypeHTTPAPI {
			g = "HttpApi"
		}
		uri = t.globals.get(g).get("DefinitionUri")
	}
	switch {
	case uri == nil:
		return ""
	case uri.kind == scalarNode:
		return uri.text
	case uri.kind == mapNode && !isIntrinsic(uri):
		b, k := uri.get("Bucket"), uri.get("Key")
		if b != nil && k != nil && b.kind == scalarNode && k.kind == scalarNode {
			return "s3://" + b.text + "/" + k.text
		}
	}
	return ""
}
