package it.agilelab.provisioning.spark.workloads.provisioner.quartz;

/** The old provisioner's job class, by name only: it is never run here. */
public class LivyJob implements org.quartz.Job {
    @Override
    public void execute(org.quartz.JobExecutionContext context) {}
}
