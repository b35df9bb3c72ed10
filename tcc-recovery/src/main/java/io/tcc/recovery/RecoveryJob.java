package io.tcc.recovery;

import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.SchedulerException;

/**
 * The Quartz job: passes of {@link Recovery} until what is due is drained (bounded, so one run cannot starve the
 * scheduler). The cluster fires it every interval, and each node once as it starts; one run at a time per node (one
 * thread): the nodes share a backlog, and the claims keep them apart.
 */
public final class RecoveryJob implements Job {

    /** The key of this node's {@link Recovery} in the scheduler's context. */
    public static final String RECOVERY = "io.tcc.recovery.Recovery";
    private static final int MAX_PASSES_PER_RUN = 50;

    @Override
    public void execute(JobExecutionContext context) throws JobExecutionException {
        Recovery recovery;
        try {
            recovery = (Recovery) context.getScheduler().getContext().get(RECOVERY);
        } catch (SchedulerException e) {
            throw new JobExecutionException("the scheduler's context is unreadable", e);
        }
        if (recovery == null) {
            throw new JobExecutionException("no Recovery in the scheduler context under " + RECOVERY);
        }
        for (int pass = 0; pass < MAX_PASSES_PER_RUN; pass++) {
            Recovery.Pass done = recovery.runOnce();
            if (done.due() < recovery.config().batchSize()) {
                return;
            }
        }
    }
}
