// Which training label an agent's confirmed category teaches the classifier.

export interface ConfirmedCategory {
  category: string;
  /** The intent the agent named, if any. */
  intent?: string;
  /** The intent the model predicted for the message. */
  predictedIntent?: string;
}

/**
 * The agent's intent; else the model's own, if the agent agreed with its category; else the
 * category's only intent; else the category itself.
 */
export function trainingLabel(intentCategories: Record<string, string>, { category, intent, predictedIntent }: ConfirmedCategory): string {
  if (intent !== undefined) return intent;
  if (predictedIntent !== undefined && intentCategories[predictedIntent] === category) return predictedIntent;
  const own = Object.keys(intentCategories).filter((i) => intentCategories[i] === category);
  return own.length === 1 ? (own[0] as string) : category;
}
