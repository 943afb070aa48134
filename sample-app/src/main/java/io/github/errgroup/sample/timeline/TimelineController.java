package io.github.errgroup.sample.timeline;

import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The JSON behind the timeline page.
 */
@RestController
public class TimelineController {

	private final TimelineListener timeline;

	public TimelineController(TimelineListener timeline) {
		this.timeline = timeline;
	}

	@GetMapping("/api/timeline")
	public List<TimelineListener.GroupRecord> recent() {
		return this.timeline.recent();
	}

}
