package org.connectome.simulator;

import java.util.ArrayList;
import java.util.List;

/**
 * How the simulated tissue looks in the electron microscope: the grey levels and textures the
 * renderer draws over the ground-truth labels. {@link #CLASSIC} is the simulator's original look
 * (uniform 3 px membranes at grey 52 on bright, smooth cytoplasm), which the demo keeps; {@link
 * #REALISTIC} is closer to real EM of neuropil, as in the FIB-SEM and serial-section volumes with
 * dense ground truth the segmentation is evaluated on: membranes thin, of a darkness that varies
 * from one contact to the next and along it, cytoplasm of very different greys with a speckle of
 * dark vesicles and filaments, some dark cells, large dark mitochondria, the microscope's blur and
 * a slow drift of brightness across the section and from section to section.
 *
 * <p>Grey levels are 8-bit values of the noise-free image; the detector noise ({@link
 * SimulationParams#noise()}) is added per tile.
 *
 * @param name recorded in the ground truth's {@code volume.json}
 * @param membraneGreyMin darkest membrane of a contact (its centre line)
 * @param membraneGreyMax lightest membrane of a contact; each contact of two cells draws its own
 * @param membraneWidthSpread relative spread of a contact's membrane width around {@link
 *     SimulationParams#membraneThickness()} (0: every contact the same)
 * @param cellGreyMin darkest ordinary cytoplasm
 * @param cellGreyMax lightest cytoplasm
 * @param darkCells share of cells with dark cytoplasm (grey from {@code membraneGreyMax} to {@code
 *     cellGreyMin}), as glia and some axons look
 * @param speckle density of dark dots (vesicles, filaments) in cytoplasm, relative (0: none; 1:
 *     about a fifth of a cell's 5 px cubes hold a dot)
 * @param speckleDepth how much darker a speckle's centre is, grey levels
 * @param mitoGrey grey of a mitochondrion's matrix (its rim is darker)
 * @param blurSigma the microscope's blur of the section image, px (0: none)
 * @param drift relative brightness drift: a slow gain field across each section and an offset per
 *     section, up to this share of the grey level (0: none)
 */
public record Appearance(
    String name,
    double membraneGreyMin,
    double membraneGreyMax,
    double membraneWidthSpread,
    double cellGreyMin,
    double cellGreyMax,
    double darkCells,
    double speckle,
    double speckleDepth,
    double mitoGrey,
    double blurSigma,
    double drift) {

  /** The original look: what the demo and the tests of the image stages were tuned on. */
  public static final Appearance CLASSIC =
      new Appearance("classic", 52, 52, 0, 150, 200, 0, 0, 0, 98, 0, 0);

  /** Closer to real EM: thin membranes of varying darkness, textured cytoplasm, blur, drift. */
  public static final Appearance REALISTIC =
      new Appearance("realistic", 55, 115, 0.45, 125, 200, 0.12, 1.6, 75, 105, 0.9, 0.08);

  public boolean classic() {
    return speckle == 0 && blurSigma == 0 && drift == 0 && membraneWidthSpread == 0;
  }

  /** Every problem, naming the field. */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    if (!(membraneGreyMin >= 0 && membraneGreyMin <= membraneGreyMax && membraneGreyMax <= 255)) {
      p.add("appearance.membraneGrey: need 0 <= min <= max <= 255");
    }
    if (!(cellGreyMin >= 0 && cellGreyMin <= cellGreyMax && cellGreyMax <= 255)) {
      p.add("appearance.cellGrey: need 0 <= min <= max <= 255");
    }
    if (!(membraneWidthSpread >= 0 && membraneWidthSpread < 1)) {
      p.add("appearance.membraneWidthSpread: must be 0 to < 1");
    }
    if (!(darkCells >= 0 && darkCells <= 1)) {
      p.add("appearance.darkCells: must be 0 to 1");
    }
    if (!(speckle >= 0 && speckle <= 10) || !(speckleDepth >= 0 && speckleDepth <= 255)) {
      p.add("appearance.speckle: density 0 to 10, depth 0 to 255");
    }
    if (!(mitoGrey >= 0 && mitoGrey <= 255)) {
      p.add("appearance.mitoGrey: must be 0 to 255");
    }
    if (!(blurSigma >= 0 && blurSigma <= 5)) {
      p.add("appearance.blurSigma: must be 0 to 5 px");
    }
    if (!(drift >= 0 && drift <= 0.5)) {
      p.add("appearance.drift: must be 0 to 0.5");
    }
    return p;
  }
}
