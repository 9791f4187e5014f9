-- Catalog schema version 2: no more run leases or control requests. With a durable Temporal server the run's
-- workflow is the one place that says who drives a run, and signals are the one way to control it.

DROP TABLE catalog_control;
DROP TABLE catalog_lease;
