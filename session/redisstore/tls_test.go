package redisstore_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// writeCA makes a throwaway CA and a server certificate for 127.0.0.1 and
// returns the CA pool and the server's PEM files.
func writeCA(t *testing.T, dir string) (*x509.CertPool, string, string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sessiongate test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return pool, certFile, keyFile
}

func freeTCPPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestTLSAndACLUser runs sessions over rediss:// with an ACL user and
// password against a real redis-server speaking TLS — the shape of a
// managed Redis (ElastiCache has TLS always on) — and checks that a wrong
// password is a store failure whose message does not carry the password.
func TestTLSAndACLUser(t *testing.T) {
	sessiontest.RequireRedis(t)
	pool, certFile, keyFile := writeCA(t, t.TempDir())
	tlsPort := freeTCPPort(t)
	sessiontest.StartServer(t, sessiontest.Options{Args: []string{
		"--tls-port", strconv.Itoa(tlsPort), "--tls-cert-file", certFile, "--tls-key-file", keyFile,
		"--tls-auth-clients", "no",
		"--user", "sessiongate", "on", ">s3cret-pass", "~sg:*", "+@all",
	}})
	url := "rediss://sessiongate:s3cret-pass@127.0.0.1:" + strconv.Itoa(tlsPort) + "/0"
	rdb, err := redisstore.NewClient(redisstore.ClientConfig{URL: url, RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	cfg := sessiontest.TestConfig(t)
	m := sessiontest.NewManager(t, cfg, redisstore.New(rdb, redisstore.Options{}), sessiontest.NewClock())
	ctx := context.Background()
	tok, err := m.Create(ctx, session.CreateInput{UserID: "tls-user"})
	if err != nil {
		t.Fatalf("create over TLS with an ACL user: %v", err)
	}
	if v, err := m.Validate(ctx, tok.Access.Value); err != nil || v.UserID != "tls-user" {
		t.Fatalf("validate over TLS: %v", err)
	}
	for name, cc := range map[string]redisstore.ClientConfig{
		"wrong password":   {URL: strings.Replace(url, "s3cret-pass", "wrong-pass", 1), RootCAs: pool},
		"untrusted server": {URL: url}, // system roots do not know the test CA
	} {
		bad, err := redisstore.NewClient(cc)
		if err != nil {
			t.Fatal(err)
		}
		bm := sessiontest.NewManager(t, cfg, redisstore.New(bad, redisstore.Options{}), sessiontest.NewClock())
		_, err = bm.Validate(ctx, tok.Access.Value)
		if !errors.Is(err, session.ErrStore) {
			t.Fatalf("%s: got %v, want a store failure", name, err)
		}
		if strings.Contains(err.Error(), "s3cret-pass") || strings.Contains(err.Error(), "wrong-pass") {
			t.Fatalf("%s: the error carries the password: %v", name, err)
		}
		bad.Close()
	}
}
