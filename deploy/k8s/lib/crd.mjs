// Validation of a custom resource against its CustomResourceDefinition's OpenAPI schema
// (CNPG_CRD=path/to/postgresql.cnpg.io_clusters.yaml). The CRD is not shipped with this
// repository, so this runs only when a copy is given; CEL rules (x-kubernetes-validations)
// are not evaluated. Unknown fields are found as in schema.mjs.
import Ajv from "ajv";
import { readYaml } from "./kustomize.mjs";
import { watched, unknownFields } from "./schema.mjs";

export function validateCrd(o, crdPath) {
  const crd = readYaml(crdPath).find((d) => d.kind === "CustomResourceDefinition");
  const [group, version] = o.apiVersion.split("/");
  if (!crd || crd.spec.group !== group || crd.spec.names.kind !== o.kind) {
    return [`${crdPath} is not the CRD of ${o.apiVersion} ${o.kind}`];
  }
  const v = crd.spec.versions.find((x) => x.name === version);
  if (!v) return [`the CRD has no version ${version}`];
  const schema = structuredClone(v.schema.openAPIV3Schema);
  // metadata is the API server's to check; the CRD leaves it open.
  if (schema.properties?.metadata) schema.properties.metadata = { type: "object" };
  const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  const problems = [];
  if (!validate(o)) {
    for (const e of validate.errors) problems.push(`CRD schema: ${e.instancePath || "/"} ${e.message}`);
  }
  const seen = new WeakMap();
  validate(watched(o, seen));
  for (const f of unknownFields(o, seen, "", [])) {
    if (!f.startsWith(".metadata.")) problems.push(`unknown field ${f.slice(1)} (not in the CRD)`);
  }
  return problems;
}
