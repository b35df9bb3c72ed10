package io.tcc.recovery;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.SchedulerException;

/** The Quartz job that runs {@link Cleanup}; in a cluster, on one node at a time. */
@DisallowConcurrentExecution
public final class CleanupJob implements Job {

    /** The key of this node's {@link Cleanup} in the scheduler's context. */
    public static final String CLEANUP = "io.tcc.recovery.Cleanup";

    @Override
    public void execute(JobExecutionContext context) throws JobExecutionException {
        try {
            Cleanup cleanup = (Cleanup) context.getScheduler().getContext().get(CLEANUP);
            if (cleanup == null) {
                throw new JobExecutionException("no Cleanup in the scheduler context under " + CLEANUP);
            }
            cleanup.runOnce();
        } catch (SchedulerException e) {
            throw new JobExecutionException("the scheduler's context is unreadable", e);
        }
    }
}
