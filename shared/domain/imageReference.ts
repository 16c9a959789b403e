/**
 * Docker / OCI image references, parsed with the grammar of distribution/reference:
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] path-component ( "/" path-component )*
 *   domain     := host [ ":" port ]        (a first component is a domain when it has "." or ":" or is "localhost")
 *   tag        := [\w][\w.-]{0,127}
 *   digest     := algorithm ":" hex        (sha256: 64 hex characters)
 *
 * Implicit Docker Hub names are normalised: `nginx` -> `docker.io/library/nginx`, `index.docker.io` -> `docker.io`.
 */

export interface ImageReference {
  /** Registry host, lower-case, with port when given; `docker.io` for implicit Docker Hub references. */
  registry: string;
  /** Repository path inside the registry, e.g. `library/nginx`, `team/api`. */
  repository: string;
  tag?: string;
  digest?: string;
  /** `registry/repository[:tag][@digest]` */
  canonical: string;
}

export class ImageReferenceError extends Error {
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super(`invalid image reference ${JSON.stringify(input.length > 200 ? input.slice(0, 200) + '…' : input)}: ${reason}`);
    this.name = 'ImageReferenceError';
  }
}

const MAX_REFERENCE_LENGTH = 4096;
const MAX_NAME_LENGTH = 255;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;
const IPV6 = /^\[[0-9a-fA-F:]+\]$/;

function isDomain(host: string): boolean {
  let hostPart = host;
  let port: string | undefined;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return false;
    hostPart = host.slice(0, close + 1);
    const rest = host.slice(close + 1);
    if (rest) {
      if (!rest.startsWith(':')) return false;
      port = rest.slice(1);
    }
    if (!IPV6.test(hostPart)) return false;
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0) {
      port = host.slice(colon + 1);
      hostPart = host.slice(0, colon);
    }
    if (!hostPart.split('.').every((c) => DOMAIN_COMPONENT.test(c))) return false;
  }
  if (port !== undefined && (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) return false;
  if (hostPart === '[:]' || hostPart === '[]') return false;
  return true;
}

/** Parses an image reference; throws `ImageReferenceError` naming what is wrong. */
export function parseImageReference(input: string): ImageReference {
  if (typeof input !== 'string') throw new ImageReferenceError(`(${typeof input})`, 'not a string');
  if (input.length === 0) throw new ImageReferenceError(input, 'empty');
  if (input.length > MAX_REFERENCE_LENGTH) throw new ImageReferenceError(input, `longer than ${MAX_REFERENCE_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(input)) throw new ImageReferenceError(input, 'contains white space or control characters');

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      throw new ImageReferenceError(
        input,
        digest.startsWith('sha256:')
          ? 'malformed digest: a sha256 digest has 64 lower-case hex characters'
          : 'malformed digest: expected sha256:<64 hex>, sha384:<96 hex> or sha512:<128 hex> in lower case',
      );
    }
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw new ImageReferenceError(input, `malformed tag ${JSON.stringify(tag)}`);
  }

  if (rest.length === 0) throw new ImageReferenceError(input, 'no repository name');

  const components = rest.split('/');
  let registry = 'docker.io';
  const first = components[0]!;
  if (components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))) {
    if (!isDomain(first)) throw new ImageReferenceError(input, `malformed registry host ${JSON.stringify(first)}`);
    registry = first.toLowerCase();
    components.shift();
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = 'docker.io';
  for (const c of components) {
    if (!PATH_COMPONENT.test(c)) {
      throw new ImageReferenceError(
        input,
        c === '' ? 'empty path component' : `path component ${JSON.stringify(c)} must be lower-case letters, digits and separators`,
      );
    }
  }
  if (registry === 'docker.io' && components.length === 1) components.unshift('library');
  const repository = components.join('/');
  // As distribution/reference does: the limit applies to the normalised name, so canonical forms re-parse.
  if (registry.length + 1 + repository.length > MAX_NAME_LENGTH) {
    throw new ImageReferenceError(input, `name longer than ${MAX_NAME_LENGTH} characters once normalised`);
  }
  const canonical = `${registry}/${repository}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}), canonical };
}

/** Like `parseImageReference` but answers `undefined` plus the reason instead of throwing. */
export function tryParseImageReference(input: string): { reference?: ImageReference; error?: string } {
  try {
    return { reference: parseImageReference(input) };
  } catch (e) {
    return { error: e instanceof ImageReferenceError ? e.reason : String(e) };
  }
}
