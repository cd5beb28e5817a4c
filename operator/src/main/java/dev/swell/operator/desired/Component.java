package dev.swell.operator.desired;

/** The parts of a ScalableService, as they appear in label values and child names. */
public enum Component {
  API("api"),
  WORKER("worker"),
  REDIS("redis");

  private final String label;

  Component(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
