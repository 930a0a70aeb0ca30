// Validation of each object against its Kubernetes OpenAPI schema, with the validators
// kubernetes-models ships. Those schemas (like the API's own) allow unknown fields, which
// the API server would drop or refuse (kubectl --validate=strict); so the validator is also
// run on a proxy that records every field it looks at, and a field it never looked at is
// reported as unknown (a misspelt "readinesProbe" is caught, not silently ignored).
import { Namespace, ServiceAccount, Service, Secret, ConfigMap } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";

const MODELS = [Namespace, ServiceAccount, Service, Secret, ConfigMap, Deployment, Job,
  PodDisruptionBudget, HorizontalPodAutoscaler, NetworkPolicy];

export function modelFor(o) {
  return MODELS.find((m) => m.apiVersion === o.apiVersion && m.kind === o.kind);
}

// A deep proxy of value; every property read is added to seen (a Set per object).
export function watched(value, seen) {
  if (value === null || typeof value !== "object") return value;
  if (!seen.has(value)) seen.set(value, new Set());
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === "string") seen.get(target).add(key);
      return watched(Reflect.get(target, key, receiver), seen);
    },
    getOwnPropertyDescriptor(target, key) {
      // ajv's loops over a map's keys (labels, resources.limits) count as looking at them.
      if (typeof key === "string") seen.get(target).add(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
}

export function unknownFields(value, seen, path, out) {
  if (value === null || typeof value !== "object") return out;
  const keys = Object.keys(value);
  for (const key of keys) {
    const here = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    if (!Array.isArray(value) && !(seen.get(value)?.has(key))) out.push(here);
    else unknownFields(value[key], seen, here, out);
  }
  return out;
}

// The problems of one object: schema errors, then unknown fields.
export function validateObject(o) {
  const Model = modelFor(o);
  if (!Model) return [`no schema for ${o.apiVersion} ${o.kind}`];
  const problems = [];
  const model = new Model(o);
  try {
    model.validate();
  } catch (e) {
    problems.push(`schema: ${e.message}`);
  }
  const plain = model.toJSON();
  const seen = new WeakMap();
  try {
    model.validate.call(watched(plain, seen));
  } catch {
    // reported above
  }
  for (const f of unknownFields(plain, seen, "", [])) problems.push(`unknown field ${f.slice(1)}`);
  return problems;
}
