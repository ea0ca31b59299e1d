package dev.moeplatform.inference.scheduling;

import dev.moeplatform.inference.models.ModelCatalog;
import dev.moeplatform.inference.models.NativeModels;
import dev.moeplatform.inference.models.ServedModel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/** One {@link Scheduler} per natively served model, started with the service and stopped before the models close. */
@Component
public class Schedulers implements DisposableBean {

    private final Map<String, Scheduler> byModel = new LinkedHashMap<>();

    public Schedulers(ModelCatalog catalog, NativeModels models, SchedulerProperties limits,
            ObjectProvider<SchedulerListener> listener) {
        SchedulerListener observer = listener.getIfAvailable(() -> SchedulerListener.NONE);
        for (ServedModel served : catalog.all()) {
            models.get(served.id()).ifPresent(model ->
                    byModel.put(served.id(), new Scheduler(served.id(), model, limits, observer)));
        }
    }

    /** The scheduler of a natively served model; empty for a model no native engine computes. */
    public Optional<Scheduler> forModel(String modelId) {
        return Optional.ofNullable(byModel.get(modelId));
    }

    @Override
    public void destroy() {
        byModel.values().forEach(Scheduler::close);
    }
}
