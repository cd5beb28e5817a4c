package dev.swell.operator.scaling;

/**
 * When the loops show a failed read in the status. One failed read after good ones (a timeout on a
 * busy operator, Redis or node) is not shown: the status and its event would flap back at the next
 * good read, and the last values stand. The second in a row is, as is a failure with nothing good
 * read before it.
 */
final class ReadErrors {

  /** Failed reads in a row from which a failure is shown. */
  static final int SHOWN_FROM = 2;

  private ReadErrors() {}

  /**
   * The failure to show, or null.
   *
   * @param failure this read's failure, or null when it succeeded
   * @param inRow failed reads in a row, this one included
   * @param goodBefore whether the status shows a good read now
   */
  static String shown(String failure, int inRow, boolean goodBefore) {
    return failure != null && inRow < SHOWN_FROM && goodBefore ? null : failure;
  }
}
