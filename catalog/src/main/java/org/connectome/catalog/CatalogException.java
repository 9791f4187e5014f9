package org.connectome.catalog;

/** Any failure of the catalog: cannot connect, schema mismatch, constraint or SQL error. */
public class CatalogException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CatalogException(String message) {
    super(message);
  }

  public CatalogException(String message, Throwable cause) {
    super(message, cause);
  }
}
