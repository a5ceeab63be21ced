package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"

	"github.com/compozy/monitoring/cmd/demo/shop"
	"github.com/compozy/monitoring/internal/testkit"
)

func TestWorkflowRoute(t *testing.T) {
	// What the Temporal SDK's error for a failed run carries: the IDs and
	// the worker's identity (pid@host).
	const (
		workflowID = "0f8c5a7e-workflow-id"
		runID      = "9d41b2c3-run-id"
		identity   = "4242@build-host@"
	)
	failed := fmt.Errorf("workflow execution error (type: OrderWorkflow, workflowID: %s, runID: %s): "+
		"activity error (identity: %s): unknown item \"nope\"", workflowID, runID, identity)

	post := func(t *testing.T, execute func(context.Context, string) (shop.Order, error)) (*httptest.ResponseRecorder, *testkit.Buffer) {
		t.Helper()
		logs := &testkit.Buffer{}
		gin.SetMode(gin.TestMode)
		engine := gin.New()
		engine.POST("/workflows/orders/:item", workflowRoute(slog.New(slog.NewTextHandler(logs, nil)), execute))
		rec := httptest.NewRecorder()
		engine.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/workflows/orders/nope", nil))
		return rec, logs
	}

	t.Run("Should answer a failed workflow with 422 and a generic message, and log the IDs", func(t *testing.T) {
		rec, logs := post(t, func(context.Context, string) (shop.Order, error) { return shop.Order{}, failed })
		assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)
		for _, secret := range []string{workflowID, runID, identity, "nope", "workflow execution error"} {
			assert.NotContains(t, rec.Body.String(), secret, "the response must not carry it")
			assert.Contains(t, logs.String(), secret, "the log must")
		}
	})

	t.Run("Should answer a workflow that could not start with 503 and a generic message, and log why", func(t *testing.T) {
		cause := errors.New("dial tcp 10.1.2.3:7233: connection refused")
		rec, logs := post(t, func(context.Context, string) (shop.Order, error) {
			return shop.Order{}, fmt.Errorf("%w: %w", errWorkflowStart, cause)
		})
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.NotContains(t, rec.Body.String(), "10.1.2.3")
		assert.Contains(t, logs.String(), "10.1.2.3")
	})

	t.Run("Should answer the order placed with 200, for the item in the path", func(t *testing.T) {
		var asked string
		rec, logs := post(t, func(_ context.Context, item string) (shop.Order, error) {
			asked = item
			return shop.Order{Item: item}, nil
		})
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, "nope", asked)
		assert.Contains(t, rec.Body.String(), `"nope"`)
		assert.Empty(t, logs.String())
	})
}
