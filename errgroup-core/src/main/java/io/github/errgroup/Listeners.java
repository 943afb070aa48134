package io.github.errgroup;

import java.util.List;
import java.util.function.BiConsumer;

/** The factory's listeners as one, each call isolated: a failing listener is logged, never fatal. */
final class Listeners implements GroupListener {

	private final GroupListener[] listeners;

	Listeners(List<GroupListener> listeners) {
		this.listeners = listeners.toArray(new GroupListener[0]);
	}

	/** Whether there is no listener: then no one ever sees a {@link TaskInfo}. */
	boolean isEmpty() {
		return this.listeners.length == 0;
	}

	@Override
	public void groupOpened(GroupInfo group) {
		fire(GroupListener::groupOpened, group, "groupOpened");
	}

	@Override
	public void groupCancelled(GroupInfo group) {
		fire(GroupListener::groupCancelled, group, "groupCancelled");
	}

	@Override
	public void groupClosed(GroupInfo group) {
		fire(GroupListener::groupClosed, group, "groupClosed");
	}

	@Override
	public void taskSpawned(TaskInfo task) {
		fire(GroupListener::taskSpawned, task, "taskSpawned");
	}

	@Override
	public void taskStarted(TaskInfo task) {
		fire(GroupListener::taskStarted, task, "taskStarted");
	}

	@Override
	public void taskFinished(TaskInfo task) {
		fire(GroupListener::taskFinished, task, "taskFinished");
	}

	private <E> void fire(BiConsumer<GroupListener, E> event, E subject, String name) {
		for (GroupListener listener : this.listeners) {
			try {
				event.accept(listener, subject);
			}
			catch (RuntimeException ex) {
				Group.LOG.log(System.Logger.Level.WARNING, "GroupListener " + listener + " failed in " + name, ex);
			}
		}
	}

}
