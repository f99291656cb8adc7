// The command-line options that name a labelled CSV dataset, shared by `npm run train` and `npm run eval`.
export const DATASET_OPTIONS = {
  file: { type: 'string' },
  text: { type: 'string' },
  label: { type: 'string' },
} as const;
