package org.connectome.tasks;

import org.connectome.layout.StepLayout;
import org.connectome.task.TaskDefinition;

/** Makes the {@link UnitRunner} of a step; task processes use {@link UnitRunners#create}. */
@FunctionalInterface
public interface UnitRunnerFactory {
  UnitRunner create(TaskDefinition definition, StepLayout layout) throws BadDefinitionException;
}
