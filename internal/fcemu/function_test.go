package fcemu

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzFunctionRequest feeds arbitrary bodies to the create and update decoders of both
// FC APIs (past authentication): each must answer 200 or an error in FC's shape, never panic.
func FuzzFunctionRequest(f *testing.F) {
	zip := base64.StdEncoding.EncodeToString(makeZip(f, map[string]string{"index.py": "def handler(e, c): return e"}))
	for _, seed := range []string{
		`{"functionName":"fn2","runtime":"python3.10","handler":"index.handler","code":{"zipFile":"` + zip + `"}}`,
		`{"functionName":"fn2","runtime":"python3.10","handler":"index.handler","memorySize":1024,"cpu":0.5,"code":{"zipFile":"` + zip + `"}}`,
		`{"cpu":0,"memorySize":128,"diskSize":10240,"environmentVariables":{"A":null}}`,
		`{"code":{"ossBucketName":"b","ossObjectName":"k","checksum":"1"}}`,
		`{"code":"x","timeout":99999999999}`,
		`{"role":"acs:ram::1:role/r","internetAccess":1,"layers":null}`,
		`null`, `[]`, `{"functionName":null}`,
	} {
		f.Add([]byte(seed))
	}
	e, err := New(WithAccessKey(testKeyID, testSecret), WithPendingPolls(0))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	const svc, fn = "svc", "fn"
	for api, body := range map[API]string{
		APIFC2: `{"functionName":"fn","runtime":"python3.10","handler":"index.handler","code":{"zipFile":"` + zip + `"}}`,
		APIFC3: `{"functionName":"fn","runtime":"python3.10","handler":"index.handler","code":{"zipFile":"` + zip + `"}}`,
	} {
		if api == APIFC2 {
			if rec := call(e, APIFC2, `{"serviceName":"svc"}`, func(x *exchange) { e.fc2CreateService(x, fcPath{}) }); rec.Code != http.StatusOK {
				f.Fatalf("create service: %d %s", rec.Code, rec.Body)
			}
			if rec := call(e, api, body, func(x *exchange) { e.fc2CreateFunction(x, fcPath{service: svc}) }); rec.Code != http.StatusOK {
				f.Fatalf("create FC 2.0 function: %d %s", rec.Code, rec.Body)
			}
			continue
		}
		if rec := call(e, api, body, func(x *exchange) { e.fc3Create(x, fcPath{}) }); rec.Code != http.StatusOK {
			f.Fatalf("create FC 3.0 function: %d %s", rec.Code, rec.Body)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, c := range []struct {
			api    API
			handle func(*exchange)
		}{
			{APIFC2, func(x *exchange) { e.fc2CreateService(x, fcPath{}) }},
			{APIFC2, func(x *exchange) { e.fc2UpdateService(x, fcPath{service: svc}) }},
			{APIFC2, func(x *exchange) { e.fc2CreateFunction(x, fcPath{service: svc}) }},
			{APIFC2, func(x *exchange) { e.fc2UpdateFunction(x, fcPath{service: svc, function: fn}) }},
			{APIFC3, func(x *exchange) { e.fc3Create(x, fcPath{}) }},
			{APIFC3, func(x *exchange) { e.fc3Update(x, fcPath{function: fn}) }},
		} {
			rec := call(e, c.api, string(body), c.handle)
			if rec.Code == http.StatusOK {
				continue
			}
			var answer map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
				t.Fatalf("%s answer %d is not FC's error JSON: %s", c.api, rec.Code, rec.Body)
			}
			code := answer["Code"]
			if c.api == APIFC2 {
				code = answer["ErrorCode"]
			}
			if code == "" || rec.Code < 400 {
				t.Fatalf("%s answer %d without an error code: %s", c.api, rec.Code, rec.Body)
			}
		}
	})
}

// call runs handle on an exchange that carries body and has passed authentication.
func call(e *Emulator, api API, body string, handle func(*exchange)) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	handle(&exchange{e: e, w: rec, r: r, api: api, op: OpUnknown, requestID: "1-test", body: []byte(body)})
	return rec
}
