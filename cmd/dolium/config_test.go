package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "dolium.yaml")
	os.WriteFile(file, []byte(`
listen: 127.0.0.1:1111
data: /from/file
region: eu-west-1
gc_interval: 5s
keys:
  - {access_key: AK2, secret_key: secret-two, owner: bob}
`), 0o600)
	env := map[string]string{"DOLIUM_CONFIG": file, "DOLIUM_DATA": "/from/env", "DOLIUM_REGION": "eu-central-1"}
	c, err := loadConfig([]string{"--region", "ap-south-1"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, got, want string }{
		{"listen (file)", c.Listen, "127.0.0.1:1111"},
		{"data (env over file)", c.Data, "/from/env"},
		{"region (flag over env)", c.Region, "ap-south-1"},
		{"log level (default)", c.LogLevel, "info"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if c.GCInterval != 5*time.Second || len(c.Keys) != 1 || c.Keys[0].Owner != "bob" {
		t.Errorf("gc interval %v, keys %+v; want 5s and bob's key", c.GCInterval, c.Keys)
	}
}

func TestConfigLimits(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "dolium.yaml")
	os.WriteFile(file, []byte("body_timeout: 5s\nkey_budget_share: 0.25\nkey_max_requests: 10\nmax_header_bytes: 4096\n"), 0o600)
	env := map[string]string{"DOLIUM_CONFIG": file, "DOLIUM_SEND_TIMEOUT": "7s", "DOLIUM_KEY_MAX_REQUESTS": "20"}
	c, err := loadConfig([]string{"--body-timeout", "0", "--read-budget", "1048576"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"body timeout (flag 0 disables)", c.BodyTimeout, time.Duration(0)},
		{"send timeout (env)", c.SendTimeout, 7 * time.Second},
		{"key budget share (file)", c.KeyBudgetShare, 0.25},
		{"key max requests (env over file)", c.KeyMaxRequests, 20},
		{"max header bytes (file)", c.MaxHeaderBytes, 4096},
		{"read budget (flag)", c.ReadBudget, int64(1 << 20)},
		{"budget wait (default)", c.BudgetWait, 10 * time.Second},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"half a root key": {nil, map[string]string{"DOLIUM_ROOT_ACCESS_KEY": "AK"}},
		"tiny chunks":     {[]string{"--chunk-size", "100"}, nil},
		"bad duration":    {nil, map[string]string{"DOLIUM_GC_INTERVAL": "soon"}},
		"stray argument":  {[]string{"extra"}, nil},
		"missing file":    {[]string{"--config", "/nonexistent/dolium.yaml"}, nil},
		"share over 1":    {[]string{"--key-budget-share", "1.5"}, nil},
		"tiny headers":    {nil, map[string]string{"DOLIUM_MAX_HEADER_BYTES": "10"}},
	} {
		if _, err := loadConfig(tc.args, func(k string) string { return tc.env[k] }); err == nil {
			t.Errorf("%s: loadConfig err = nil, want an error", name)
		}
	}
}
