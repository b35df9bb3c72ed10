package io.tcc.recovery;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.tcc.participant.Participant;
import io.tcc.participant.PendingBranch;

/** The inventory service while it is down: confirms and cancels are sent over HTTP and fail to connect. */
final class UnreachableParticipant implements Participant {
    private final HttpClient http;

    UnreachableParticipant(HttpClient http) {
        this.http = http;
    }

    @Override
    public String name() {
        return "inventory";
    }

    @Override
    public void confirm(PendingBranch branch) throws Exception {
        send(branch, "confirm");
    }

    @Override
    public void cancel(PendingBranch branch) throws Exception {
        send(branch, "cancel");
    }

    private void send(PendingBranch branch, String phase) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(branch.endpoint() + "/tcc/" + phase))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<Void> answer = http.send(request, HttpResponse.BodyHandlers.discarding());
        throw new IllegalStateException("something answered " + answer.statusCode() + " at " + branch.endpoint()
                + ", where the test expects nothing to listen");
    }
}
