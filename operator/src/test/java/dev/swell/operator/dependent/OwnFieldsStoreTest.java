package dev.swell.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/** What the reconciler's informers keep of an object's managedFields. */
class OwnFieldsStoreTest {

  static Deployment deployment(String name) {
    return Serialization.unmarshal(
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: %s
          namespace: demo
          managedFields:
          - manager: swell-operator
            operation: Apply
            apiVersion: apps/v1
            fieldsType: FieldsV1
            fieldsV1:
              f:metadata: {f:labels: {f:app.kubernetes.io/name: {}}}
              f:spec: {f:template: {f:spec: {f:containers: {'k:{"name":"app"}': {.: {}, f:image: {}}}}}}
          - manager: kube-controller-manager
            operation: Update
            apiVersion: apps/v1
            fieldsType: FieldsV1
            subresource: status
            fieldsV1: {f:status: {f:replicas: {}, f:conditions: {}}}
          - manager: swell-queue-autoscaler
            operation: Update
            apiVersion: apps/v1
            fieldsType: FieldsV1
            fieldsV1: {f:spec: {f:replicas: {}}}
          - manager: swell-operator
            operation: Update
            apiVersion: apps/v1
            fieldsType: FieldsV1
            fieldsV1: {f:metadata: {f:annotations: {}}}
        spec:
          replicas: 3
        """
            .formatted(name),
        Deployment.class);
  }

  @Test
  void onlyTheOperatorsOwnApplyEntryIsKeptWhole() {
    Deployment a = OwnFieldsStore.prune(deployment("a"));
    assertThat(a.getMetadata().getManagedFields())
        .extracting(ManagedFieldsEntry::getManager, ManagedFieldsEntry::getOperation)
        .as("what JOSDK's server-side apply matching reads, and nothing else")
        .containsExactly(tuple("swell-operator", "Apply"));
    assertThat(a.getMetadata().getManagedFields().get(0).getFieldsV1().getAdditionalProperties())
        .as("the same fields")
        .isEqualTo(
            deployment("c")
                .getMetadata()
                .getManagedFields()
                .get(0)
                .getFieldsV1()
                .getAdditionalProperties());
    assertThat(a.getSpec().getReplicas()).as("the object itself untouched").isEqualTo(3);
  }

  @Test
  void anObjectWithoutManagedFieldsIsKeptAsItIs() {
    Deployment d = deployment("d");
    d.getMetadata().setManagedFields(null);
    assertThat(OwnFieldsStore.prune(d).getMetadata().getManagedFields()).isNull();
  }
}
