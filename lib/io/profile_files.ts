/**
 * Resolving a `--model` argument: a published profile's name or a JSON file.
 *
 * @module
 */

import {
  profileFromJson,
  PUBLISHED_PROFILE_NAMES,
  publishedProfile,
  type ServiceProfile,
} from "../profile/service_profile.ts";

/**
 * Returns the published profile of that name, or reads a JSON profile file.
 *
 * @param nameOrPath A published profile's name or a path to a JSON file.
 * @returns The profile.
 * @throws {RangeError} If it is neither a known name nor an existing file.
 * @throws {SyntaxError} If the file is not JSON.
 */
export async function readProfileArgument(nameOrPath: string): Promise<ServiceProfile> {
  if ((PUBLISHED_PROFILE_NAMES as readonly string[]).includes(nameOrPath)) {
    return publishedProfile(nameOrPath);
  }
  let text: string;
  try {
    text = await Deno.readTextFile(nameOrPath);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new RangeError(
        `Cannot find model '${nameOrPath}': expected one of ${PUBLISHED_PROFILE_NAMES.join(", ")}` +
          " or a JSON profile file",
      );
    }
    throw e;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`Cannot read model file ${nameOrPath}: ${(e as Error).message}`);
  }
  return profileFromJson(value, { source: nameOrPath });
}
