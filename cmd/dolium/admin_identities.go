package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/s3api"
)

const identityUsage = `usage:
  dolium admin user add NAME [--owner TENANT] [--display-name TEXT]   add a user (owner defaults to NAME)
  dolium admin user list [--json]
  dolium admin user remove NAME                                       (its keys must be deleted first)
  dolium admin key create --user NAME [--json]                        a new access key; prints its secret, once
  dolium admin key list [--user NAME] [--json]
  dolium admin key disable|enable|delete ACCESS_KEY
  dolium admin policy attach --user NAME FILE                         store FILE ("-": stdin) as the user's identity policy
  dolium admin policy detach --user NAME
  dolium admin policy get --user NAME
common flags as for every admin command (--endpoint, --region; the root key from the environment)`

// identityVerb reports whether verb is one of the identity commands.
func identityVerb(verb string) bool { return verb == "user" || verb == "key" || verb == "policy" }

// identityAdmin runs `dolium admin user|key|policy SUBCOMMAND ...`.
func identityAdmin(verb string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("admin "+verb, flag.ContinueOnError)
	endpoint := fs.String("endpoint", envOr("DOLIUM_ENDPOINT", "http://127.0.0.1:9000"), "gateway endpoint")
	region := fs.String("region", envOr("DOLIUM_REGION", "us-east-1"), "region")
	owner := fs.String("owner", "", "the user's owner (tenant; user add)")
	display := fs.String("display-name", "", "display name (user add)")
	user := fs.String("user", "", "user name (key, policy)")
	asJSON := fs.Bool("json", false, "print JSON")
	// Flags and arguments in any order.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) == 0 {
		return fmt.Errorf("%s", identityUsage)
	}
	ak := envOr("DOLIUM_ROOT_ACCESS_KEY", os.Getenv("AWS_ACCESS_KEY_ID"))
	sk := envOr("DOLIUM_ROOT_SECRET_KEY", os.Getenv("AWS_SECRET_ACCESS_KEY"))
	if ak == "" || sk == "" {
		return fmt.Errorf("no credentials: set DOLIUM_ROOT_ACCESS_KEY and DOLIUM_ROOT_SECRET_KEY")
	}
	c := adminClient{endpoint: strings.TrimRight(*endpoint, "/"), region: *region, creds: aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}}
	sub, rest := pos[0], pos[1:]
	one := func(what string) (string, error) {
		if len(rest) != 1 {
			return "", fmt.Errorf("usage: dolium admin %s %s %s", verb, sub, what)
		}
		return rest[0], nil
	}
	needUser := func() error {
		if *user == "" {
			return fmt.Errorf("usage: dolium admin %s %s --user NAME", verb, sub)
		}
		return nil
	}
	printJSON := func(body []byte) error { _, err := stdout.Write(body); return err }

	switch verb + " " + sub {
	case "user add":
		name, err := one("NAME")
		if err != nil {
			return err
		}
		q := url.Values{"name": {name}}
		if *owner != "" {
			q.Set("owner", *owner)
		}
		if *display != "" {
			q.Set("display-name", *display)
		}
		body, err := c.send("POST", s3api.AdminPrefix+"users", q, nil)
		if err != nil {
			return err
		}
		var u access.UserInfo
		if err := json.Unmarshal(body, &u); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(body)
		}
		fmt.Fprintf(stdout, "added user %s (owner %s, %s, canonical id %s)\n", u.Name, u.Owner, u.ARN, u.CanonicalID)
		return nil
	case "user list":
		body, err := c.send("GET", s3api.AdminPrefix+"users", nil, nil)
		if err != nil || *asJSON {
			if err == nil {
				err = printJSON(body)
			}
			return err
		}
		var out struct {
			Users []access.UserInfo `json:"users"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tOWNER\tSTATUS\tPOLICY\tARN\tCANONICAL ID")
		for _, u := range out.Users {
			pol := "-"
			if len(u.Policy) > 0 {
				pol = "attached"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, u.Owner, u.Status, pol, u.ARN, u.CanonicalID)
		}
		return tw.Flush()
	case "user remove":
		name, err := one("NAME")
		if err != nil {
			return err
		}
		if _, err := c.send("DELETE", s3api.AdminPrefix+"users", url.Values{"name": {name}}, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed user %s\n", name)
		return nil
	case "key create":
		if err := needUser(); err != nil {
			return err
		}
		body, err := c.send("POST", s3api.AdminPrefix+"keys", url.Values{"user": {*user}}, nil)
		if err != nil || *asJSON {
			if err == nil {
				err = printJSON(body)
			}
			return err
		}
		var k access.KeyInfo
		if err := json.Unmarshal(body, &k); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created an access key for user %s (owner %s); the secret is shown only now:\n", k.User, k.Owner)
		fmt.Fprintf(stdout, "AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n", k.AccessKey, k.Secret)
		return nil
	case "key list":
		q := url.Values{}
		if *user != "" {
			q.Set("user", *user)
		}
		body, err := c.send("GET", s3api.AdminPrefix+"keys", q, nil)
		if err != nil || *asJSON {
			if err == nil {
				err = printJSON(body)
			}
			return err
		}
		var out struct {
			Keys []access.KeyInfo `json:"keys"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACCESS KEY\tUSER\tSTATUS\tCREATED")
		for _, k := range out.Keys {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.AccessKey, k.User, k.Status, k.Created.Format(time.RFC3339))
		}
		return tw.Flush()
	case "key disable", "key enable":
		id, err := one("ACCESS_KEY")
		if err != nil {
			return err
		}
		status := "Active"
		if sub == "disable" {
			status = "Inactive"
		}
		if _, err := c.send("PUT", s3api.AdminPrefix+"keys", url.Values{"access-key": {id}, "status": {status}}, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "access key %s is %s (on every gateway within seconds)\n", id, status)
		return nil
	case "key delete":
		id, err := one("ACCESS_KEY")
		if err != nil {
			return err
		}
		if _, err := c.send("DELETE", s3api.AdminPrefix+"keys", url.Values{"access-key": {id}}, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted access key %s\n", id)
		return nil
	case "policy attach":
		file, err := one("--user NAME FILE")
		if err != nil {
			return err
		}
		if err := needUser(); err != nil {
			return err
		}
		var doc []byte
		if file == "-" {
			doc, err = io.ReadAll(os.Stdin)
		} else {
			doc, err = os.ReadFile(file)
		}
		if err != nil {
			return err
		}
		if _, err := c.send("PUT", s3api.AdminPrefix+"policy", url.Values{"user": {*user}}, doc); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "attached the policy to user %s\n", *user)
		return nil
	case "policy detach":
		if err := needUser(); err != nil {
			return err
		}
		if _, err := c.send("DELETE", s3api.AdminPrefix+"policy", url.Values{"user": {*user}}, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "detached the policy of user %s\n", *user)
		return nil
	case "policy get":
		if err := needUser(); err != nil {
			return err
		}
		body, err := c.send("GET", s3api.AdminPrefix+"policy", url.Values{"user": {*user}}, nil)
		if err != nil {
			return err
		}
		var u access.UserInfo
		if err := json.Unmarshal(body, &u); err != nil {
			return err
		}
		if len(u.Policy) == 0 {
			return fmt.Errorf("user %s has no policy attached", *user)
		}
		var b bytes.Buffer
		json.Indent(&b, u.Policy, "", "  ")
		b.WriteByte('\n')
		_, err = stdout.Write(b.Bytes())
		return err
	}
	return fmt.Errorf("unknown admin command %q\n%s", verb+" "+sub, identityUsage)
}

// send is do with a request body (signed by its SHA-256).
func (c adminClient) send(method, path string, q url.Values, body []byte) ([]byte, error) {
	return c.request(method, path, q, nil, body)
}
