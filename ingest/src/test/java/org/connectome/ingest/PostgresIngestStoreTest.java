package org.connectome.ingest;

import org.connectome.catalog.PostgresCluster;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresCluster.class)
class PostgresIngestStoreTest extends IngestStoreContractTest {
  @Override
  protected String newDatabaseUrl() {
    return PostgresCluster.newSchemaUrl();
  }
}
