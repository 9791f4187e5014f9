package org.connectome.catalog;

import org.flywaydb.core.api.logging.Log;
import org.flywaydb.core.api.logging.LogCreator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flyway's log, through SLF4J at the level the platform wants: what Flyway tells at info on every
 * open (its banner, the database URL, "schema is up to date") goes to debug, since {@link Migrator}
 * logs each migration it applies itself; every line has any password masked.
 *
 * <p>Flyway creates this class by name ({@code loggers}), so it is public with a public
 * constructor.
 */
public final class FlywayLog implements LogCreator {
  @Override
  public Log createLogger(Class<?> clazz) {
    Logger to = LoggerFactory.getLogger(clazz);
    return new Log() {
      @Override
      public void debug(String message) {
        to.debug(Database.mask(message));
      }

      @Override
      public void info(String message) {
        to.debug(Database.mask(message));
      }

      @Override
      public void warn(String message) {
        // H2 newer than Flyway's tested versions: said on every open, and H2 2.5 serves it well
        if (message != null && message.startsWith("Flyway upgrade recommended")) {
          to.debug(message);
        } else {
          to.warn(Database.mask(message));
        }
      }

      @Override
      public void error(String message) {
        to.error(Database.mask(message));
      }

      @Override
      public void error(String message, Exception e) {
        to.error(Database.mask(message), e);
      }

      @Override
      public void notice(String message) {
        to.debug(Database.mask(message));
      }
    };
  }
}
