// Command notesfn is the notes-api example's own Lambda function: the
// proxy backend of POST /notes (see ../api.yaml), as a team would write one
// behind sessiongate.
//
// A Lambda proxy integration gets no mapped x-user-id header and its
// response gets no mapped Set-Cookie, so the function does both itself with
// package authorizer/backend: backend.WrapV1 reads the identity from
// requestContext.authorizer (never from a header a client sent), answers
// 401 when there is none (the route would not be behind the authorizer),
// and copies a rotated access cookie and front-token into the response.
// backend.CORS adds the CORS headers for the request's Origin when it is one
// of ALLOWED_ORIGINS (API Gateway adds none to a proxy integration's
// response), to every answer, the 401 included. ALLOWED_ORIGINS is its
// only configuration; an invalid value exits at start-up.
//
// It does not check roles: the route rule rendered from api.yaml (editor
// or admin) is enforced by the authorizer before the function is invoked.
// It stores nothing either — it answers the note it would create, with the
// signed-in user as its author.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sessiongate/sessiongate/authorizer/backend"
	"github.com/sessiongate/sessiongate/session"
)

func main() {
	h, err := newHandler(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "notesfn:", err)
		os.Exit(1)
	}
	lambda.Start(h)
}

// newHandler reads ALLOWED_ORIGINS through lookup and returns the Lambda
// handler: CORS outermost, so that the 401 of a request without an
// identity carries it too.
func newHandler(lookup func(string) (string, bool)) (backend.HandlerV1, error) {
	v, _ := lookup("ALLOWED_ORIGINS")
	origins, err := session.ParseAllowedOrigins(v)
	if err != nil {
		return nil, err
	}
	return backend.CORS{Origins: origins}.WrapV1(backend.WrapV1(createNote)), nil
}

// note is what POST /notes answers.
type note struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Author string `json:"author"`
}

// maxText bounds a note's text, in bytes.
const maxText = 4096

// createNote answers 201 with the new note, or 400 when the body is not
// {"text": "..."} with a non-blank text of at most maxText bytes.
func createNote(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	id, _ := backend.FromContext(ctx) // WrapV1 calls this handler only with an identity
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return answer(400, map[string]string{"message": "body is not base64"})
		}
		body = b
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(body, &in); err != nil || strings.TrimSpace(in.Text) == "" || len(in.Text) > maxText {
		return answer(400, map[string]string{"message": `want {"text": "..."}: a non-blank text of at most 4096 bytes`})
	}
	return answer(201, note{ID: rand.Text(), Text: in.Text, Author: id.UserID})
}

func answer(status int, v any) (events.APIGatewayProxyResponse, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{StatusCode: status, Body: string(b),
		Headers: map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"}}, nil
}
