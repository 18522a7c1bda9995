package fcemu

import (
	"fmt"
	"slices"
	"testing"

	fc3 "github.com/alibabacloud-go/fc-20230330/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	fc "github.com/aliyun/fc-go-sdk"
)

// TestListPaging pages through FC 2.0's ListFunctions and ListServices and FC 3.0's
// ListFunctions with a prefix and a small limit, as a deployer finding a runtime's
// functions does: every name under the prefix once, in order, the others never, and no
// nextToken on the last page. Out-of-range limits are refused as FC refuses them.
func TestListPaging(t *testing.T) {
	e, base := start(t)
	c2 := fc2Client(t, e, base, testKeyID, testSecret)
	c3 := fc3Client(t, base, testKeyID, testSecret, "")
	code := handlerZip(t)
	var want []string
	for i := range 5 {
		want = append(want, fmt.Sprintf("lithops-worker-rt-%d", i))
	}
	names := append([]string{"lithops-other", "zz-last"}, want...)
	for _, svc := range []string{"lithops_a", "lithops_b", "lithops_c", "other"} {
		if _, err := c2.CreateService(fc.NewCreateServiceInput().WithServiceName(svc)); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range names {
		if _, err := c2.CreateFunction(fc.NewCreateFunctionInput("lithops_a").WithFunctionName(n).WithRuntime("python3.10").
			WithHandler("index.handler").WithCode(fc.NewCode().WithZipFile(code))); err != nil {
			t.Fatal(err)
		}
		if _, err := fc3Create(c3, newFC3Function(n, "python3.10", code)); err != nil {
			t.Fatal(err)
		}
	}

	collect := func(t *testing.T, page func(token string) ([]string, string, error)) []string {
		t.Helper()
		var got []string
		token := ""
		for i := 0; ; i++ {
			if i > 10 {
				t.Fatalf("more than 10 pages: %v", got)
			}
			names, next, err := page(token)
			if err != nil {
				t.Fatalf("page %d: %v", i+1, err)
			}
			if len(names) > 2 {
				t.Fatalf("page %d has %d items, the limit is 2", i+1, len(names))
			}
			got = append(got, names...)
			if next == "" {
				return got
			}
			token = next
		}
	}
	t.Run("FC 2.0 functions", func(t *testing.T) {
		got := collect(t, func(token string) ([]string, string, error) {
			in := fc.NewListFunctionsInput("lithops_a").WithPrefix("lithops-worker-").WithLimit(2)
			if token != "" {
				in.WithNextToken(token)
			}
			out, err := c2.ListFunctions(in)
			if err != nil {
				return nil, "", err
			}
			var names []string
			for _, f := range out.Functions {
				names = append(names, *f.FunctionName)
			}
			return names, tea.StringValue(out.NextToken), nil
		})
		if !slices.Equal(got, want) {
			t.Errorf("listed %v, want %v", got, want)
		}
	})
	t.Run("FC 2.0 services", func(t *testing.T) {
		got := collect(t, func(token string) ([]string, string, error) {
			in := fc.NewListServicesInput().WithPrefix("lithops_").WithLimit(2)
			if token != "" {
				in.WithNextToken(token)
			}
			out, err := c2.ListServices(in)
			if err != nil {
				return nil, "", err
			}
			var names []string
			for _, s := range out.Services {
				names = append(names, *s.ServiceName)
			}
			return names, tea.StringValue(out.NextToken), nil
		})
		if w := []string{"lithops_a", "lithops_b", "lithops_c"}; !slices.Equal(got, w) {
			t.Errorf("listed %v, want %v", got, w)
		}
	})
	t.Run("FC 3.0 functions", func(t *testing.T) {
		got := collect(t, func(token string) ([]string, string, error) {
			req := &fc3.ListFunctionsRequest{Prefix: tea.String("lithops-worker-"), Limit: tea.Int32(2), FcVersion: tea.String("v3")}
			if token != "" {
				req.NextToken = tea.String(token)
			}
			out, err := c3.ListFunctions(req)
			if err != nil {
				return nil, "", err
			}
			var names []string
			for _, f := range out.Body.Functions {
				names = append(names, tea.StringValue(f.FunctionName))
			}
			return names, tea.StringValue(out.Body.NextToken), nil
		})
		if !slices.Equal(got, want) {
			t.Errorf("listed %v, want %v", got, want)
		}
	})
	for _, limit := range []int32{0, 101} {
		_, err := c2.ListFunctions(fc.NewListFunctionsInput("lithops_a").WithLimit(limit))
		if status, code := fc2Code(err); status != 400 || code != "InvalidArgument" {
			t.Errorf("FC 2.0 limit %d: %d %s (%v), want 400 InvalidArgument", limit, status, code, err)
		}
		_, err = c3.ListFunctions(&fc3.ListFunctionsRequest{Limit: tea.Int32(limit)})
		if status, code := fc3Code(err); status != 400 || code != "InvalidArgument" {
			t.Errorf("FC 3.0 limit %d: %d %s (%v), want 400 InvalidArgument", limit, status, code, err)
		}
	}
}

// TestDeleteNotFound: deleting what is not there answers FC's 404 codes, which a
// deployer reads as "already gone"; FC 2.0 names the missing level (service or
// function).
func TestDeleteNotFound(t *testing.T) {
	e, base := start(t)
	c2 := fc2Client(t, e, base, testKeyID, testSecret)
	c3 := fc3Client(t, base, testKeyID, testSecret, "")
	if _, err := c2.CreateService(fc.NewCreateServiceInput().WithServiceName("svc")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		status int
		code   string
		err    func() (int, string)
	}{
		{"FC 2.0 function", 404, "FunctionNotFound", func() (int, string) {
			_, err := c2.DeleteFunction(fc.NewDeleteFunctionInput("svc", "gone"))
			return fc2Code(err)
		}},
		{"FC 2.0 function of a missing service", 404, "ServiceNotFound", func() (int, string) {
			_, err := c2.DeleteFunction(fc.NewDeleteFunctionInput("nosvc", "gone"))
			return fc2Code(err)
		}},
		{"FC 2.0 service", 404, "ServiceNotFound", func() (int, string) {
			_, err := c2.DeleteService(fc.NewDeleteServiceInput("nosvc"))
			return fc2Code(err)
		}},
		{"FC 2.0 functions of a missing service", 404, "ServiceNotFound", func() (int, string) {
			_, err := c2.ListFunctions(fc.NewListFunctionsInput("nosvc"))
			return fc2Code(err)
		}},
		{"FC 3.0 function", 404, "FunctionNotFound", func() (int, string) {
			_, err := c3.DeleteFunction(tea.String("gone"))
			return fc3Code(err)
		}},
	}
	for _, tt := range tests {
		if status, code := tt.err(); status != tt.status || code != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, status, code, tt.status, tt.code)
		}
	}
	// An empty service is deleted.
	if _, err := c2.DeleteService(fc.NewDeleteServiceInput("svc")); err != nil {
		t.Errorf("DeleteService of an empty service: %v", err)
	}
}
