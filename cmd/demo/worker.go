package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"
	temporalinterceptor "go.temporal.io/sdk/interceptor"
	temporallog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/compozy/monitoring/cmd/demo/shop"
	"github.com/compozy/monitoring/interceptor"
	"github.com/compozy/monitoring/port"
)

// demoQueue is the task queue of the demo's Temporal worker.
const demoQueue = "demo-orders"

// errWorkflowStart marks an order workflow that could not be started (the
// server unreachable), answered 503 rather than 422.
var errWorkflowStart = errors.New("starting the workflow")

// workflowRoute answers POST /workflows/orders/:item with the order that
// the workflow run by execute placed. A failure is answered with a generic
// message: the error names the workflow ID, the run ID and the worker's
// identity (host and process), which belong in the log, not in a response
// to whoever sent the request.
func workflowRoute(logger *slog.Logger, execute func(ctx context.Context, item string) (shop.Order, error)) gin.HandlerFunc {
	return func(g *gin.Context) {
		order, err := execute(g.Request.Context(), g.Param("item"))
		switch {
		case errors.Is(err, errWorkflowStart):
			logger.ErrorContext(g.Request.Context(), "order workflow not started", "error", err)
			g.String(http.StatusServiceUnavailable, "the order workflow could not be started; try again later\n")
		case err != nil:
			logger.WarnContext(g.Request.Context(), "order workflow failed", "error", err)
			g.String(http.StatusUnprocessableEntity, "the order could not be placed\n")
		default:
			g.JSON(http.StatusOK, order)
		}
	}
}

// temporalWorker connects to the Temporal server at address and starts a
// worker that places orders as activities, instrumented by the interceptor;
// the SDK's own metrics go to the same backend. The returned function stops
// the worker and closes the client.
func temporalWorker(
	ctx context.Context, address string, mon port.Recorder, orders *shop.Shop, logger *slog.Logger,
) (client.Client, func(), error) {
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := client.DialContext(dialCtx, client.Options{
		HostPort:       address,
		MetricsHandler: interceptor.NewMetricsHandler(mon, interceptor.WithLogger(logger)),
		Logger:         temporallog.NewStructuredLogger(logger),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("connecting to Temporal at %s: %w", address, err)
	}
	wi := interceptor.NewWorkerInterceptor(mon, interceptor.WithLogger(logger))
	wi.SetConfiguredWorkers(1)
	w := wi.Track(worker.New(c, demoQueue, worker.Options{
		Interceptors: []temporalinterceptor.WorkerInterceptor{wi},
	}), demoQueue)
	w.RegisterWorkflow(OrderWorkflow)
	w.RegisterActivity(orders.PlaceOrder)
	if err := w.Start(); err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("starting the Temporal worker: %w", err)
	}
	return c, func() { w.Stop(); c.Close() }, nil
}

// OrderWorkflow places an order for item through the PlaceOrder activity.
func OrderWorkflow(ctx workflow.Context, item string) (shop.Order, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var order shop.Order
	err := workflow.ExecuteActivity(ctx, "PlaceOrder", item).Get(ctx, &order)
	return order, err
}
