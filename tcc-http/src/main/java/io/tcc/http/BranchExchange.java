package io.tcc.http;

import java.util.Map;
import java.util.Optional;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.service.annotation.PostExchange;
import org.springframework.web.util.UriBuilderFactory;

/**
 * The wire exchange of a branch call as an HTTP interface of Spring's: {@code POST <base URL>/tcc/<action>/<phase>},
 * and a batch as the action {@link BranchCall#BATCH}. Bytes in, status and bytes out: what the answer means is
 * {@link OutcomeClassifier}'s business, never the client's. Each remote participant's is the one HTTP service of a
 * group named after the participant (see {@link EnableRemoteParticipants}), or of a client that
 * {@link RemoteParticipants} builds itself; internal to the framework, not for applications to call.
 */
public interface BranchExchange {

    /**
     * The request attribute that marks a branch call, holding the participant's name: TCC's interceptors act on these
     * requests only, so a group that also serves an application's own HTTP services keeps its other calls as they are.
     */
    String PARTICIPANT = "io.tcc.http.participant";

    /**
     * @param address  where to send it (a literal base URL from a branch row or a plain client), or empty for the
     *                 base URL of the client's own configuration
     * @param headers  the transaction's headers; signing adds its own in an interceptor
     * @param body     exactly the bytes to send (and sign)
     */
    @PostExchange(url = "/tcc/{action}/{phase}", contentType = "application/json")
    ResponseEntity<byte[]> post(Optional<UriBuilderFactory> address, @PathVariable("action") String action,
                                @PathVariable("phase") String phase, @RequestHeader Map<String, String> headers,
                                @RequestAttribute(PARTICIPANT) String participant, @RequestBody byte[] body);
}
