package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	fc3api "github.com/alibabacloud-go/fc-20230330/v4/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
)

// fc3 deploys FC 3.0 functions with the official SDK. The SDK takes no context: calls
// that change nothing are abandoned when the run is cancelled (abandonable); calls that
// change FC are awaited (see mutating), bounded by the SDK's read timeout.
type fc3 struct {
	client  *fc3api.Client
	timeout Timeouts
	poll    time.Duration // first wait between readiness polls (doubles up to 5 s)
	redact  redactor
	log     func(string, ...any)
}

func (c *fc3) runtime(d time.Duration) *util.RuntimeOptions {
	return &util.RuntimeOptions{
		ReadTimeout:    tea.Int(int(d / time.Millisecond)),
		ConnectTimeout: tea.Int(int(connectTimeout / time.Millisecond)),
		Autoretry:      tea.Bool(false), // Retrying does it, with our policy
	}
}

// abandonable runs call, which cannot be cancelled, and returns as soon as ctx ends,
// leaving it to finish on its own. Only for calls that change nothing.
func abandonable[T any](ctx context.Context, call func() (T, error)) (T, error) {
	if err := ctx.Err(); err != nil {
		var zero T
		return zero, err
	}
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := call()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// apiError turns the SDK's error into an *APIError (other errors are wrapped as they are).
func (c *fc3) apiError(op, resource string, err error) error {
	var se *tea.SDKError
	if !errors.As(err, &se) {
		return fmt.Errorf("FC 3.0 %s %s: %w", op, resource, err)
	}
	e := &APIError{Service: "FC 3.0", Op: op, Resource: resource, Status: tea.IntValue(se.StatusCode), Code: tea.StringValue(se.Code)}
	var data map[string]any
	if se.Data != nil && json.Unmarshal([]byte(*se.Data), &data) == nil {
		e.Message = firstString(data, "Message", "message", "ErrorMessage", "errorMessage")
		e.RequestID = firstString(data, "RequestId", "requestId")
	}
	if e.Message == "" {
		e.Message = tea.StringValue(se.Message)
	}
	e.Message = c.redact.apply(e.Message)
	return e
}

func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// fromFC3 is a function as FC 3.0 answers it (f is not nil).
func fromFC3(f *fc3api.Function) Function {
	return Function{
		Spec: Spec{Name: tea.StringValue(f.FunctionName), Runtime: tea.StringValue(f.Runtime), Handler: tea.StringValue(f.Handler),
			MemoryMB: int(tea.Int32Value(f.MemorySize)), TimeoutSec: int(tea.Int32Value(f.Timeout)), Role: tea.StringValue(f.Role),
			InternetAccess: internetAccess(f.InternetAccess), Container: fromFC3Container(f.CustomContainerConfig)},
		CodeChecksum: tea.StringValue(f.CodeChecksum), CodeSize: tea.Int64Value(f.CodeSize), LastModified: tea.StringValue(f.LastModifiedTime),
		State: tea.StringValue(f.State), StateReason: tea.StringValue(f.StateReason),
		LastUpdateStatus: tea.StringValue(f.LastUpdateStatus), LastUpdateStatusReason: tea.StringValue(f.LastUpdateStatusReason),
	}
}

func (c *fc3) Get(ctx context.Context, name string) (Function, error) {
	return abandonable(ctx, func() (Function, error) {
		resp, err := c.client.GetFunctionWithOptions(tea.String(name), &fc3api.GetFunctionRequest{}, nil, c.runtime(c.timeout.Call))
		if err != nil {
			return Function{}, c.apiError("GetFunction", name, err)
		}
		if resp.Body == nil || resp.Body.FunctionName == nil {
			return Function{}, noFunction("FC 3.0", "GetFunction", name)
		}
		return fromFC3(resp.Body), nil
	})
}

// fromFC3Container is customContainerConfig as FC 3.0 answers it; nil without an image.
// The image is the one the function was given (repository@digest), not
// resolvedImageUri, FC's own record of what it pulled.
func fromFC3Container(c *fc3api.CustomContainerConfig) *Container {
	if c == nil || tea.StringValue(c.Image) == "" {
		return nil
	}
	out := &Container{Image: tea.StringValue(c.Image), Port: int(tea.Int32Value(c.Port)), AccelerationType: tea.StringValue(c.AccelerationType)}
	for _, a := range c.Command {
		out.Command = append(out.Command, tea.StringValue(a))
	}
	return out
}

// fc3Container is customContainerConfig for c (nil for a zip function).
func fc3Container(c *Container) *fc3api.CustomContainerConfig {
	if c == nil {
		return nil
	}
	out := &fc3api.CustomContainerConfig{Image: tea.String(c.Image), Port: tea.Int32(int32(c.Port))}
	if c.AccelerationType != "" {
		out.AccelerationType = tea.String(c.AccelerationType)
	}
	for _, a := range c.Command {
		out.Command = append(out.Command, tea.String(a))
	}
	return out
}

func fc3Code(code *Code) *fc3api.InputCodeLocation {
	if code == nil {
		return nil
	}
	in := &fc3api.InputCodeLocation{}
	if code.Bucket != "" {
		in.OssBucketName, in.OssObjectName = tea.String(code.Bucket), tea.String(code.Object)
	} else {
		in.ZipFile = tea.String(code.ZipFile)
	}
	if code.Checksum != "" {
		in.Checksum = tea.String(code.Checksum)
	}
	return in
}

func (c *fc3) Put(ctx context.Context, p Put) (Function, error) {
	if err := ctx.Err(); err != nil {
		return Function{}, err
	}
	s := p.Spec
	rt := c.runtime(c.timeout.upload(p.Code))
	var f Function
	if p.Create {
		resp, err := c.client.CreateFunctionWithOptions(&fc3api.CreateFunctionRequest{Body: &fc3api.CreateFunctionInput{
			FunctionName: tea.String(s.Name), Runtime: tea.String(s.Runtime), Handler: tea.String(s.Handler),
			MemorySize: tea.Int32(int32(s.MemoryMB)), Timeout: tea.Int32(int32(s.TimeoutSec)), Role: tea.String(s.Role),
			InternetAccess: tea.Bool(s.InternetAccess), Code: fc3Code(p.Code), CustomContainerConfig: fc3Container(s.Container)}}, nil, rt)
		if err != nil {
			return Function{}, c.apiError("CreateFunction", s.Name, err)
		}
		if resp.Body == nil || resp.Body.FunctionName == nil {
			return Function{}, noFunction("FC 3.0", "CreateFunction", s.Name)
		}
		f = fromFC3(resp.Body)
	} else {
		update := func() (*fc3api.UpdateFunctionResponse, error) {
			resp, err := c.client.UpdateFunctionWithOptions(tea.String(s.Name), &fc3api.UpdateFunctionRequest{Body: &fc3api.UpdateFunctionInput{
				Runtime: tea.String(s.Runtime), Handler: tea.String(s.Handler),
				MemorySize: tea.Int32(int32(s.MemoryMB)), Timeout: tea.Int32(int32(s.TimeoutSec)), Role: tea.String(s.Role),
				InternetAccess: tea.Bool(s.InternetAccess), Code: fc3Code(p.Code), CustomContainerConfig: fc3Container(s.Container)}}, nil, rt)
			if err != nil {
				return nil, c.apiError("UpdateFunction", s.Name, err)
			}
			return resp, nil
		}
		resp, err := update()
		if isConcurrentUpdate(err) {
			// Another change is in progress: FC refuses updates until it ends. Wait for
			// that, whatever its outcome (polls are what end a transition), then try once
			// more; Retrying handles further conflicts.
			c.log("function %s is being changed by someone else; waiting for that to end", s.Name)
			_, werr := c.wait(ctx, Function{Spec: Spec{Name: s.Name}, LastUpdateStatus: "InProgress"}, c.timeout.Ready)
			var nr *NotReadyError
			if werr == nil || (errors.As(werr, &nr) && !nr.TimedOut) {
				resp, err = update()
			}
		}
		if err != nil {
			return Function{}, err
		}
		if resp.Body == nil || resp.Body.FunctionName == nil {
			return Function{}, noFunction("FC 3.0", "UpdateFunction", s.Name)
		}
		f = fromFC3(resp.Body)
	}
	// An image function is Pending (or InProgress) while FC pulls its image, which
	// takes longer than a zip.
	limit := c.timeout.Ready
	if s.Container != nil {
		limit = max(limit, c.timeout.ImagePull)
	}
	return c.wait(ctx, f, limit)
}

func isConcurrentUpdate(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == "ConcurrentUpdateError"
}

// wait polls the function while it is Pending (after a create) or InProgress (after an
// update, or someone else's), for at most limit; Failed is an error with FC's reason. Zip functions often
// show neither field: that counts as ready (the smoke invocation retries 412 anyway).
func (c *fc3) wait(ctx context.Context, f Function, limit time.Duration) (Function, error) {
	start := time.Now()
	deadline := start.Add(limit)
	delay := c.poll
	for {
		switch {
		case f.State == "Failed":
			return f, &NotReadyError{Name: f.Name, State: f.State, LastUpdateStatus: f.LastUpdateStatus, Reason: f.StateReason}
		case f.LastUpdateStatus == "Failed":
			return f, &NotReadyError{Name: f.Name, State: f.State, LastUpdateStatus: f.LastUpdateStatus, Reason: f.LastUpdateStatusReason}
		case f.State != "Pending" && f.LastUpdateStatus != "InProgress":
			return f, nil
		}
		if !time.Now().Add(delay).Before(deadline) {
			reason := f.StateReason
			if f.LastUpdateStatus == "InProgress" {
				reason = f.LastUpdateStatusReason
			}
			return f, &NotReadyError{Name: f.Name, State: f.State, LastUpdateStatus: f.LastUpdateStatus, Reason: reason,
				TimedOut: true, Waited: time.Since(start).Round(time.Millisecond).String()}
		}
		if err := sleep(ctx, delay); err != nil {
			return f, err
		}
		delay = min(delay*2, 5*time.Second)
		g, err := c.Get(ctx, f.Name)
		switch {
		case err == nil:
			f = g
		case Retryable(err):
			c.log("waiting for function %s: %v", f.Name, err) // a poll that failed: poll again
		default:
			return f, err
		}
	}
}

func (c *fc3) Delete(ctx context.Context, name string) error {
	_, err := c.client.DeleteFunctionWithOptions(tea.String(name), nil, c.runtime(c.timeout.Call))
	if err != nil {
		return c.apiError("DeleteFunction", name, err)
	}
	return nil
}

func (c *fc3) List(ctx context.Context, prefix string) ([]Function, error) {
	var out []Function
	err := pages(func(token string) (string, error) {
		return abandonable(ctx, func() (string, error) {
			// fcVersion v3: FC 3.0's own functions, as Lithops 3.7 lists them
			// (_list_functions); FC 2.0's would be listed too otherwise.
			req := &fc3api.ListFunctionsRequest{Prefix: tea.String(prefix), Limit: tea.Int32(listPage), FcVersion: tea.String("v3")}
			if token != "" {
				req.NextToken = tea.String(token)
			}
			resp, err := c.client.ListFunctionsWithOptions(req, nil, c.runtime(c.timeout.Call))
			if err != nil {
				return "", c.apiError("ListFunctions", prefix+"*", err)
			}
			if resp.Body == nil {
				return "", nil
			}
			for _, f := range resp.Body.Functions {
				if f == nil || f.FunctionName == nil {
					return "", errors.New("FC 3.0 ListFunctions: an entry describes no function")
				}
				out = append(out, fromFC3(f))
			}
			return tea.StringValue(resp.Body.NextToken), nil
		})
	})
	return out, err
}

func (c *fc3) CodeURL(ctx context.Context, name string) (string, error) {
	return abandonable(ctx, func() (string, error) {
		resp, err := c.client.GetFunctionCodeWithOptions(tea.String(name), &fc3api.GetFunctionCodeRequest{}, nil, c.runtime(c.timeout.Call))
		if err != nil {
			return "", c.apiError("GetFunctionCode", name, err)
		}
		if resp.Body == nil || tea.StringValue(resp.Body.Url) == "" {
			return "", fmt.Errorf("FC 3.0 GetFunctionCode %s: no code URL in the answer", name)
		}
		return tea.StringValue(resp.Body.Url), nil
	})
}

func (c *fc3) Invoke(ctx context.Context, name string, event []byte) (Invocation, error) {
	// The read timeout must outlast the function: take it from ctx (rounded up to the
	// minute: the SDK keeps one HTTP client per distinct timeout, forever), else a day
	// (FC's longest function timeout).
	read := 24 * time.Hour
	if d, ok := ctx.Deadline(); ok {
		read = (time.Until(d) + time.Minute).Truncate(time.Minute)
	}
	return abandonable(ctx, func() (Invocation, error) {
		resp, err := c.client.InvokeFunctionWithOptions(tea.String(name), &fc3api.InvokeFunctionRequest{Body: bytes.NewReader(event)},
			&fc3api.InvokeFunctionHeaders{XFcInvocationType: tea.String("Sync"), XFcLogType: tea.String("Tail")}, c.runtime(read))
		if err != nil {
			return Invocation{}, c.apiError("InvokeFunction", name, err)
		}
		var body []byte
		if resp.Body != nil {
			if rc, ok := resp.Body.(io.Closer); ok {
				defer rc.Close() // also when reading fails: the connection is not left open
			}
			if body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswer)); err != nil {
				return Invocation{}, fmt.Errorf("FC 3.0 InvokeFunction %s: read answer: %w", name, err)
			}
		}
		return invocation(body, func(k string) string { return tea.StringValue(resp.Headers[strings.ToLower(k)]) }), nil
	})
}
