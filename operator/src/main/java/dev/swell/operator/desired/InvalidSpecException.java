package dev.swell.operator.desired;

/**
 * A spec the schema accepts but the operator cannot build from, its message naming the field. The
 * child it concerns is left as it was (the last good state); the reconciler reports the message as
 * {@code Ready=False} with reason InvalidSpec and an InvalidSpec event.
 */
public final class InvalidSpecException extends RuntimeException {

  public InvalidSpecException(String message) {
    super(message);
  }
}
