package io.tcc.http;

import java.io.IOException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Signs each branch call of the client it is added to, as the request is about to leave: the timestamp, the body's
 * digest and the signature over the path actually sent (a base URL's own path included). Other requests of the client
 * pass untouched.
 */
final class SigningInterceptor implements ClientHttpRequestInterceptor {

    private final RequestSigner signer;

    SigningInterceptor(RequestSigner signer) {
        this.signer = signer;
    }

    @Override
    public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
            throws IOException {
        if (request.getAttributes().containsKey(BranchExchange.PARTICIPANT)) {
            HttpHeaders headers = request.getHeaders();
            headers.set(TccHeaders.TIMESTAMP, Long.toString(signer.now()));
            headers.set(TccHeaders.CONTENT_SHA256, RequestSigner.digest(body));
            headers.set(TccHeaders.SIGNATURE, signer.sign(request.getMethod().name(), request.getURI().getRawPath(),
                    headers::getFirst));
        }
        return execution.execute(request, body);
    }
}
