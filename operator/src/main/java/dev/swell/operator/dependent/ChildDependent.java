package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.ReconcileResult;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;
import java.util.function.Function;

/**
 * A child found by its name. JOSDK would otherwise compute the desired object to find the child,
 * which fails when the child is being removed because its section of the spec is gone.
 */
abstract class ChildDependent<R extends HasMetadata>
    extends CRUDKubernetesDependentResource<R, ScalableService> {

  private final Function<ScalableService, String> name;

  ChildDependent(Class<R> type, Function<ScalableService, String> name) {
    super(type);
    this.name = name;
  }

  /**
   * The owner reference marks the ScalableService as the controller of the child, so tools show
   * "Controlled By" and other controllers leave it alone; the garbage collector deletes it with the
   * ScalableService.
   */
  @Override
  protected void addReferenceHandlingMetadata(R desired, ScalableService primary) {
    desired
        .getMetadata()
        .setOwnerReferences(
            List.of(
                new OwnerReferenceBuilder()
                    .withApiVersion(primary.getApiVersion())
                    .withKind(primary.getKind())
                    .withName(primary.getMetadata().getName())
                    .withUid(primary.getMetadata().getUid())
                    .withController(true)
                    .build()));
  }

  /**
   * Before Swell first writes a child, an object of that name that it did not make stops it: it is
   * not in the informers' cache (they see only Swell's labels), so it is looked up once here.
   */
  @Override
  public ReconcileResult<R> reconcile(ScalableService primary, Context<ScalableService> context) {
    if (getSecondaryResource(primary, context).isEmpty()) {
      String ns = primary.getMetadata().getNamespace();
      R existing =
          context
              .getClient()
              .resources(resourceType())
              .inNamespace(ns)
              .withName(name.apply(primary))
              .get();
      if (existing != null && !controlledBy(existing, primary)) {
        throw new ForeignChildException(
            existing.getKind()
                + " "
                + ns
                + "/"
                + name.apply(primary)
                + " exists and was not made by Swell for this ScalableService: Swell leaves it"
                + " alone; rename or delete it");
      }
    }
    return super.reconcile(primary, context);
  }

  /** A child whose part of the spec is gone is deleted only if this ScalableService controls it. */
  @Override
  public void delete(ScalableService primary, Context<ScalableService> context) {
    if (getSecondaryResource(primary, context).filter(r -> controlledBy(r, primary)).isPresent()) {
      super.delete(primary, context);
    }
  }

  static boolean controlledBy(HasMetadata child, ScalableService primary) {
    return child.getMetadata().getOwnerReferences() != null
        && child.getMetadata().getOwnerReferences().stream()
            .anyMatch(
                o ->
                    Boolean.TRUE.equals(o.getController())
                        && primary.getMetadata().getUid().equals(o.getUid()));
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      ScalableService primary, Context<ScalableService> context) {
    return new ResourceID(name.apply(primary), primary.getMetadata().getNamespace());
  }
}
