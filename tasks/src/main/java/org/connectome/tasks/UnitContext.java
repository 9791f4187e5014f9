package org.connectome.tasks;

import org.connectome.layout.StepLayout;
import org.connectome.task.TaskDefinition;

/**
 * One unit to run.
 *
 * @param definition the step's definition
 * @param layout the step's folder
 * @param unit unit index
 * @param task task index
 * @param attempt attempt of the task, from 1
 */
public record UnitContext(
    TaskDefinition definition, StepLayout layout, long unit, long task, int attempt) {}
