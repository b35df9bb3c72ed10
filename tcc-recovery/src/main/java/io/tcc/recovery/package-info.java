/**
 * Recovery: the Quartz job that resumes unfinished transactions from the log, cleanup, the operators' API and admin
 * page, metrics. See docs/operations.md.
 */
package io.tcc.recovery;
