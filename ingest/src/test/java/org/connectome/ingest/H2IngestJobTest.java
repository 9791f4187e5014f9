package org.connectome.ingest;

import org.connectome.catalog.Catalog;

class H2IngestJobTest extends IngestJobContractTest {
  @Override
  protected String newDatabaseUrl() {
    return Catalog.h2FileUrl(dir.resolve("catalog"));
  }
}
