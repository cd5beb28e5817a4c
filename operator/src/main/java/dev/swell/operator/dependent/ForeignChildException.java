package dev.swell.operator.dependent;

/**
 * An object with a child's name exists but its ScalableService does not control it: Swell never
 * adopts, overwrites or deletes what it did not create.
 */
public final class ForeignChildException extends RuntimeException {

  public ForeignChildException(String message) {
    super(message);
  }
}
