// The worker's workflow bundle entry point.
export { conversationWorkflow } from './conversation';
export { handoffWorkflow } from './handoff';
export { auditWorkflow } from './audit';
export { trainModelWorkflow } from './training';
export { retrainingWorkflow } from './retraining';
export { engagementWorkflow } from './engagement';
export { erasureWorkflow } from './erasure';
