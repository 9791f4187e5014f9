package org.connectome.ingest;

import java.util.concurrent.atomic.AtomicInteger;
import org.connectome.catalog.Catalog;

class H2IngestStoreTest extends IngestStoreContractTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();

  @Override
  protected String newDatabaseUrl() {
    return Catalog.h2FileUrl(dir.resolve("db" + DATABASES.incrementAndGet()).resolve("catalog"));
  }
}
