package org.connectome.stages.align;

/**
 * A rigid transform of the plane: rotation by {@code thetaDeg} about the origin, then translation:
 * {@code p' = R(theta) p + (dx, dy)}. Pixel coordinates: x right, y down, so a positive angle turns
 * clockwise on screen (from +x towards +y).
 */
public record Rigid(double thetaDeg, double dx, double dy) {
  public static final Rigid IDENTITY = new Rigid(0, 0, 0);

  public double theta() {
    return Math.toRadians(thetaDeg);
  }

  public double[] apply(double x, double y) {
    double c = Math.cos(theta());
    double s = Math.sin(theta());
    return new double[] {c * x - s * y + dx, s * x + c * y + dy};
  }

  public Rigid inverse() {
    double c = Math.cos(theta());
    double s = Math.sin(theta());
    return new Rigid(-thetaDeg, -(c * dx + s * dy), -(-s * dx + c * dy));
  }

  /** {@code this} after {@code first}: {@code p -> this(first(p))}. */
  public Rigid compose(Rigid first) {
    double[] t = apply(first.dx(), first.dy());
    return new Rigid(thetaDeg + first.thetaDeg(), t[0], t[1]);
  }

  /** Rotation by {@code thetaDeg} about {@code (cx, cy)}, then translation by {@code (sx, sy)}. */
  public static Rigid aboutCentre(double thetaDeg, double cx, double cy, double sx, double sy) {
    Rigid r = new Rigid(thetaDeg, 0, 0);
    double[] rc = r.apply(cx, cy);
    return new Rigid(thetaDeg, cx - rc[0] + sx, cy - rc[1] + sy);
  }

  /**
   * The least-squares rigid transform taking points {@code from[i]} to {@code to[i]} (2D
   * Procrustes), with weights; null for fewer than two points.
   */
  public static Rigid fit(double[][] from, double[][] to, double[] w) {
    double sw = 0;
    double fx = 0;
    double fy = 0;
    double tx = 0;
    double ty = 0;
    for (int i = 0; i < from.length; i++) {
      sw += w[i];
      fx += w[i] * from[i][0];
      fy += w[i] * from[i][1];
      tx += w[i] * to[i][0];
      ty += w[i] * to[i][1];
    }
    if (from.length < 2 || sw <= 0) {
      return null;
    }
    fx /= sw;
    fy /= sw;
    tx /= sw;
    ty /= sw;
    double sxx = 0;
    double sxy = 0;
    double syx = 0;
    double syy = 0;
    for (int i = 0; i < from.length; i++) {
      double ax = from[i][0] - fx;
      double ay = from[i][1] - fy;
      double bx = to[i][0] - tx;
      double by = to[i][1] - ty;
      sxx += w[i] * ax * bx;
      sxy += w[i] * ax * by;
      syx += w[i] * ay * bx;
      syy += w[i] * ay * by;
    }
    double theta = Math.atan2(sxy - syx, sxx + syy);
    double c = Math.cos(theta);
    double s = Math.sin(theta);
    return new Rigid(Math.toDegrees(theta), tx - (c * fx - s * fy), ty - (s * fx + c * fy));
  }
}
