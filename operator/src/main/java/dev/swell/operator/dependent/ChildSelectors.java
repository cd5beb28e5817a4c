package dev.swell.operator.dependent;

import dev.swell.operator.desired.ChildNames;

/** Label selectors and shared event-source names of the children's informers. */
public final class ChildSelectors {

  /** Informers watch only what this operator made, not every Deployment in the cluster. */
  public static final String MANAGED = ChildNames.MANAGED_SELECTOR;

  public static final String DEPLOYMENTS = "deployments";
  public static final String SERVICES = "services";
  public static final String BUDGETS = "budgets";

  private ChildSelectors() {}
}
