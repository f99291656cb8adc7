// Quality of resolution, measured on conversations rather than tickets per hour: did it stay
// resolved (reopen rate), was it resolved on the first contact, how long it took, per handler.

/** One conversation as the quality figures see it; times in epoch ms. */
export interface ResolutionRow {
  conversationId: string;
  customerId: string;
  /** What it was about; a conversation without one can neither reopen another nor be reopened. */
  category?: string;
  createdAt: number;
  /** When it was resolved: its last human task resolved, or the AI's last answer in a conversation the AI closed. */
  resolvedAt?: number;
  /** 'ai' or the agent who resolved it. */
  resolvedBy?: string;
}

export interface QualityFigures {
  /** Conversations counted: every one in the window overall; per handler, the ones it resolved. */
  conversations: number;
  resolved: number;
  /** Resolved, then the same customer came back about the same category within the reopen window. */
  reopened: number;
  reopenRate: number | null;
  /** Conversations with no earlier one of the customer's about the same category within the window. */
  firstContacts: number;
  /** First contacts resolved and not reopened. */
  resolvedOnFirstContact: number;
  firstContactResolutionRate: number | null;
  /** From the conversation's start to its resolution, for the duration statistics. */
  resolutionTimesMs: number[];
}

export interface ResolutionQuality {
  overall: QualityFigures;
  ai: QualityFigures;
  byAgent: Record<string, QualityFigures>;
}

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

/**
 * The figures for the rows `counted` picks (those in the report's window), looking at every row for
 * earlier and later contacts of the same customer about the same category within `reopenWithinMs`.
 */
export function resolutionQuality(rows: readonly ResolutionRow[], counted: (row: ResolutionRow) => boolean, reopenWithinMs: number): ResolutionQuality {
  const sameTopic = (a: ResolutionRow, b: ResolutionRow): boolean =>
    a !== b && a.category !== undefined && a.customerId === b.customerId && a.category === b.category;
  const reopened = (row: ResolutionRow): boolean =>
    row.resolvedAt !== undefined &&
    rows.some((later) => sameTopic(row, later) && later.createdAt > (row.resolvedAt as number) && later.createdAt <= (row.resolvedAt as number) + reopenWithinMs);
  const firstContact = (row: ResolutionRow): boolean =>
    !rows.some((earlier) => sameTopic(row, earlier) && earlier.createdAt < row.createdAt && earlier.createdAt >= row.createdAt - reopenWithinMs);

  const figures = (subset: ResolutionRow[]): QualityFigures => {
    const resolved = subset.filter((row) => row.resolvedAt !== undefined);
    const reopenedCount = resolved.filter(reopened).length;
    const first = subset.filter(firstContact);
    const firstResolved = first.filter((row) => row.resolvedAt !== undefined && !reopened(row)).length;
    return {
      conversations: subset.length,
      resolved: resolved.length,
      reopened: reopenedCount,
      reopenRate: ratio(reopenedCount, resolved.length),
      firstContacts: first.length,
      resolvedOnFirstContact: firstResolved,
      firstContactResolutionRate: ratio(firstResolved, first.length),
      resolutionTimesMs: resolved.map((row) => (row.resolvedAt as number) - row.createdAt),
    };
  };

  const inWindow = rows.filter(counted);
  const agents = [...new Set(inWindow.flatMap((row) => (row.resolvedBy && row.resolvedBy !== 'ai' ? [row.resolvedBy] : [])))].sort();
  return {
    overall: figures(inWindow),
    ai: figures(inWindow.filter((row) => row.resolvedBy === 'ai')),
    byAgent: Object.fromEntries(agents.map((agent) => [agent, figures(inWindow.filter((row) => row.resolvedBy === agent))])),
  };
}
