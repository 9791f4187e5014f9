package org.connectome.stages.render;

/**
 * A rigid transform of the plane in pixel coordinates (x right, y down, pixel centres at integers):
 * rotation by {@code thetaDeg} about the origin, then translation, {@code x' = x cos - y sin + tx},
 * {@code y' = x sin + y cos + ty}.
 */
public record RigidTransform(double thetaDeg, double tx, double ty) {
  public static final RigidTransform IDENTITY = new RigidTransform(0, 0, 0);

  public double[] apply(double x, double y) {
    double t = Math.toRadians(thetaDeg);
    double c = Math.cos(t);
    double s = Math.sin(t);
    return new double[] {x * c - y * s + tx, x * s + y * c + ty};
  }

  /**
   * The inverse: {@code x = (x' - tx) cos + (y' - ty) sin}, {@code y = -(x' - tx) sin + (y' - ty)
   * cos}.
   */
  public double[] applyInverse(double x, double y) {
    double t = Math.toRadians(thetaDeg);
    double c = Math.cos(t);
    double s = Math.sin(t);
    double dx = x - tx;
    double dy = y - ty;
    return new double[] {dx * c + dy * s, -dx * s + dy * c};
  }
}
