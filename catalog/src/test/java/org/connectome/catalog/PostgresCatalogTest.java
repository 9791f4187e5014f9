package org.connectome.catalog;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The catalog contract on PostgreSQL (a private cluster, or CX_TEST_POSTGRES_URL); one new schema
 * per test.
 */
@ExtendWith(PostgresCluster.class)
class PostgresCatalogTest extends CatalogContractTest {

  @Override
  protected String newDatabaseUrl() {
    return PostgresCluster.newSchemaUrl();
  }

  @Override
  protected Dialect expectedDialect() {
    return Dialect.POSTGRESQL;
  }

  @Override
  protected String unreachableUrlWithPassword() {
    return "jdbc:postgresql://127.0.0.1:1/nothing?user=cx&password=s3cret&connectTimeout=2";
  }
}
