/** Every runnable image carries the OCI source and revision annotations (or labels) that tie it to its code. */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { OCI_REVISION, OCI_SOURCE, ociValue, platformName, platformsOf } from './oci.js';

const REQUIRED = [OCI_SOURCE, OCI_REVISION] as const;

export const imageProvenanceLabeled = defineRule({
  id: 'image.provenance-labeled',
  title: 'Image declares its source repository and revision',
  target: 'image',
  severity: 'medium',
  rationale:
    'Without org.opencontainers.image.source and org.opencontainers.image.revision an image cannot be traced to the code and ' +
    'commit it was built from: a vulnerable or tampered image cannot be rebuilt, patched or attributed, and approval of the ' +
    'build pipeline cannot be checked. For a multi-arch index every platform image must be traceable, since any one may run.',
  remediation: {
    description:
      'Set the annotations (or labels) in the build: docker buildx --annotation / --label, or the OCI metadata actions of the CI ' +
      'system. For multi-arch images annotate the index and each manifest (buildx: --annotation "index,manifest:...").',
    cli:
      '# Dockerfile: ARG SOURCE REVISION\n' +
      '#             LABEL org.opencontainers.image.source=$SOURCE org.opencontainers.image.revision=$REVISION\n' +
      'az acr build --registry <registry> --image <repository>:<tag> \\\n' +
      '  --build-arg SOURCE=https://github.com/<org>/<repo> \\\n' +
      '  --build-arg REVISION=$(git rev-parse HEAD) .',
    bicep:
      '// An ACR Task that builds from Git with the provenance labels set from the run\n' +
      "resource build 'Microsoft.ContainerRegistry/registries/tasks@2019-06-01-preview' = {\n" +
      "  name: 'build-api'\n" +
      '  parent: acr\n' +
      '  location: location\n' +
      '  properties: {\n' +
      "    platform: { os: 'Linux', architecture: 'amd64' }\n" +
      '    step: {\n' +
      "      type: 'EncodedTask'\n" +
      "      encodedTaskContent: base64('steps:\\n- build: -t {{.Run.Registry}}/api:{{.Run.ID}} --label org.opencontainers.image.source=${sourceRepoUrl} --label org.opencontainers.image.revision={{.Run.Commit}} .\\n- push: [\"{{.Run.Registry}}/api:{{.Run.ID}}\"]\\n')\n" +
      '    }\n' +
      '  }\n' +
      '}',
  },
  guidance: 'approved-images',
  mcsb: ['DS-2', 'DS-6'],
  references: [
    'https://learn.microsoft.com/azure/security/container-secure-supply-chain/articles/container-secure-supply-chain-implementation/containers-secure-supply-chain-overview',
    'https://learn.microsoft.com/azure/container-registry/container-registry-tasks-overview',
    'https://github.com/opencontainers/image-spec/blob/main/annotations.md',
  ],
  modes: ['push'],
  evaluate({ provenance }) {
    if (!provenance) return notApplicable('manifest content was not read in this audit', { conclusive: false });
    const platforms = platformsOf(provenance).map(({ node, inherited }) => ({
      platform: platformName(node),
      missing: REQUIRED.filter((k) => ociValue(node, k, inherited) === undefined),
      source: ociValue(node, OCI_SOURCE, inherited),
      revision: ociValue(node, OCI_REVISION, inherited),
    }));
    const lacking = platforms.filter((p) => p.missing.length > 0).map(({ platform, missing }) => ({ platform, missing }));
    if (provenance.kind === 'manifest') {
      const p = platforms[0]!;
      return p.missing.length === 0
        ? pass(`image declares source ${p.source} at revision ${p.revision}`, { kind: 'manifest', source: p.source, revision: p.revision })
        : fail(`image lacks ${p.missing.join(' and ')}`, { kind: 'manifest', missing: p.missing });
    }
    const evidence = { kind: 'index', platformCount: platforms.length, lacking };
    return lacking.length === 0
      ? pass(`every platform of the index declares its source and revision (${platforms.length} platform(s))`, {
          ...evidence,
          sources: [...new Set(platforms.map((p) => p.source))],
          revisions: [...new Set(platforms.map((p) => p.revision))],
        })
      : fail(`${lacking.length} of ${platforms.length} platform(s) lack provenance: ${lacking.map((l) => `${l.platform} (${l.missing.join(', ')})`).join('; ')}`, evidence);
  },
});
