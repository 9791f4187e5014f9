package org.connectome.spec;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kubernetes resource quantities ({@code 500m}, {@code 2}, {@code 1.5}, {@code 4Gi}, {@code 512M}):
 * a plain decimal number with an optional suffix, {@code m} (milli), {@code k M G T P E} (powers of
 * 1000) or {@code Ki Mi Gi Ti Pi Ei} (powers of 1024). Signs and exponents are not accepted.
 */
public final class Quantities {
  /** The pattern the JSON Schema uses for {@code resources.cpu} and {@code resources.memory}. */
  public static final String PATTERN =
      "^([0-9]+(\\.[0-9]+)?|\\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$";

  private static final Pattern QUANTITY = Pattern.compile(PATTERN);

  private Quantities() {}

  /** {@code true} when {@code text} is a quantity this class reads. */
  public static boolean isQuantity(String text) {
    return text != null && QUANTITY.matcher(text.trim()).matches();
  }

  /** CPU cores: {@code 500m} is 0.5, {@code 2} is 2.0. */
  public static double cpuCores(String text) {
    return value(text).doubleValue();
  }

  /**
   * Bytes, rounded up to a whole byte as Kubernetes does: {@code 4Gi} is 4294967296, {@code 1k} is
   * 1000.
   *
   * @throws IllegalArgumentException when {@code text} is not a quantity or exceeds {@link
   *     Long#MAX_VALUE}
   */
  public static long bytes(String text) {
    BigDecimal v = value(text).setScale(0, RoundingMode.CEILING);
    if (v.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("'" + text + "' is too large (at most 8Ei)");
    }
    return v.longValueExact();
  }

  /**
   * The exact value of {@code text}.
   *
   * @throws IllegalArgumentException when {@code text} is not a quantity
   */
  public static BigDecimal value(String text) {
    Matcher m = text == null ? null : QUANTITY.matcher(text.trim());
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a Kubernetes quantity (examples: 500m, 2, 4Gi)");
    }
    BigDecimal number = new BigDecimal(m.group(1));
    String suffix = m.group(3);
    if (suffix == null) {
      return number;
    }
    return switch (suffix) {
      case "m" -> number.movePointLeft(3);
      case "k" -> number.movePointRight(3);
      case "M" -> number.movePointRight(6);
      case "G" -> number.movePointRight(9);
      case "T" -> number.movePointRight(12);
      case "P" -> number.movePointRight(15);
      case "E" -> number.movePointRight(18);
      default ->
          number.multiply(
              new BigDecimal(BigInteger.valueOf(1024).pow("KMGTPE".indexOf(suffix.charAt(0)) + 1)));
    };
  }
}
