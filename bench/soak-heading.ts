/** The heading of the soak section of bench/RESULTS.md: written by npm run soak, kept by npm run bench. */
export const soakHeading = '## Soak and wrong-password flood'
