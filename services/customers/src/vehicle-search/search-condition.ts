/**
 * The condition that every search word matches a customer: in their own search text, or in the
 * plates and VINs of their vehicles (`vehicle_text`, compared without separators). Written as
 *
 *   (all words in search_text)
 *   OR (some word in vehicle_text AND every word in search_text or vehicle_text)
 *
 * rather than one OR per word, so the common case stays one trigram index scan with every word
 * (a per-word OR split it into one scan per word and made two-word name searches six times
 * slower at a million customers); the second arm starts from the small vehicle_text index.
 * `param` adds a value to the statement and returns its placeholder.
 */
export function wordsMatchCondition(patterns: string[], param: (value: unknown) => string): string {
  if (patterns.length === 0) return 'true';
  const placeholders = patterns.map(param);
  const inText = (p: string): string => `search_text LIKE customers.search_fold(${p})`;
  const inVehicles = (p: string): string => `vehicle_text LIKE customers.vehicle_fold(${p})`;
  return `((${placeholders.map(inText).join(' AND ')})
    OR ((${placeholders.map(inVehicles).join(' OR ')})
        AND ${placeholders.map((p) => `(${inText(p)} OR ${inVehicles(p)})`).join(' AND ')}))`;
}
