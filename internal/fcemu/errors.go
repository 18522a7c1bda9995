package fcemu

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
)

// apiError is a service error answer: an HTTP status and the service's error code.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// internalError is a failure of the emulator itself (disk, encoding).
func internalError(err error) *apiError {
	return errf(http.StatusInternalServerError, "InternalServerError", "fcemu: %v", err)
}

func invalidArg(format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, "InvalidArgument", format, args...)
}

// fail writes err in the shape of the service x is talking to.
func (x *exchange) fail(err *apiError) {
	x.errCode = err.code
	h := x.w.Header()
	switch x.api {
	case APIFC2:
		// FC 2.0: {"ErrorCode","ErrorMessage"} and the request id in a header (the SDK reads
		// both; its ServiceError struct uses these exact keys).
		h.Set("Content-Type", "application/json")
		h.Set("X-Fc-Request-Id", x.requestID)
		x.writeJSON(err.status, map[string]string{"ErrorCode": err.code, "ErrorMessage": err.message})
	case APIFC3:
		h.Set("Content-Type", "application/json")
		h.Set("X-Fc-Request-Id", x.requestID)
		x.writeJSON(err.status, map[string]string{"Code": err.code, "Message": err.message, "RequestId": x.requestID})
	case APISTS:
		h.Set("Content-Type", "application/json;charset=utf-8")
		x.writeJSON(err.status, map[string]string{
			"RequestId": x.requestID,
			"HostId":    "sts.aliyuncs.com",
			"Code":      err.code,
			"Message":   err.message,
			"Recommend": "https://api.aliyun.com/troubleshoot?q=" + err.code,
		})
	default: // OSS and OSS-style code downloads
		body := ossErrorXML(err, x.requestID)
		h.Set("Content-Type", "application/xml")
		h.Set("X-Oss-Request-Id", x.requestID)
		if x.r.Method == http.MethodHead {
			// A HEAD answer has no body: OSS repeats the error document in x-oss-err,
			// which the SDK decodes.
			h.Set("X-Oss-Err", base64.StdEncoding.EncodeToString(body))
			x.w.WriteHeader(err.status)
			return
		}
		h.Set("Content-Length", fmt.Sprint(len(body)))
		x.w.WriteHeader(err.status)
		x.w.Write(body)
	}
}

func ossErrorXML(err *apiError, requestID string) []byte {
	type ossError struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string   `xml:"Code"`
		Message   string   `xml:"Message"`
		RequestID string   `xml:"RequestId"`
		HostID    string   `xml:"HostId"`
	}
	b, _ := xml.MarshalIndent(ossError{Code: err.code, Message: err.message, RequestID: requestID, HostID: "fcemu"}, "", "  ")
	return append([]byte(xml.Header), b...)
}

func (x *exchange) writeJSON(status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic("fcemu: marshal answer: " + err.Error())
	}
	if x.w.Header().Get("Content-Type") == "" {
		x.w.Header().Set("Content-Type", "application/json")
	}
	x.w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	x.w.WriteHeader(status)
	x.w.Write(b)
}

// newRequestID returns an id in the service's usual form.
func newRequestID(api API) string {
	switch api {
	case APIOSS, APICode:
		return strings.ToUpper(randomHex(12))
	case APISTS:
		h := strings.ToUpper(randomHex(16))
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	default:
		return "1-" + randomHex(4) + "-" + randomHex(12)
	}
}
