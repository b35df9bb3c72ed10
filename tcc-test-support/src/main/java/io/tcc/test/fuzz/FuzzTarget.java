package io.tcc.test.fuzz;

import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/**
 * One endpoint under fuzzing: how a well-formed, authorized request to it looks, and what the server checks, so the
 * fuzzer knows which mutations are sure to make a request malformed. Every request it sends is broken in at least one
 * way the endpoint must refuse.
 *
 * @param name            names the endpoint in counts and failures
 * @param base            a well-formed request (without its authentication), from the run's random
 * @param servedMethods   the methods the endpoint's path serves: a mutated method is never one of them
 * @param checkedHeaders  headers whose value the endpoint parses and refuses when malformed (and needs: a missing one
 *                        is refused too)
 * @param body            how strictly the endpoint reads its body
 * @param invalidBodies   bodies the endpoint must refuse, beyond the structural breakage the fuzzer does itself
 * @param contentTypeChecked whether a content type other than JSON is refused
 * @param auth            how a request is authenticated; null when the endpoint is open
 */
public record FuzzTarget(String name, Function<Random, FuzzRequest> base, Set<String> servedMethods,
                         List<String> checkedHeaders, Body body, List<String> invalidBodies, boolean contentTypeChecked,
                         Auth auth) {

    public enum Body {
        /** The body is not read, or not checked: changing it breaks nothing. */
        IGNORED,
        /** Any JSON that is not the expected shape is refused, but Jackson's lenient parts hold (unknown fields...). */
        LENIENT,
        /** Only exactly the expected JSON is accepted. */
        STRICT
    }

    /** How an endpoint's requests are authenticated, and how to break that. */
    public interface Auth {
        /** Makes {@code request}, as it now is, authenticated (after all other mutations). */
        void authenticate(FuzzRequest request);

        /** Makes {@code request} unauthenticated in one of several ways; returns the way, for the record. */
        String breakIt(FuzzRequest request, Random random);
    }

    /** {@code Authorization: Bearer <token>}, broken by leaving it out, changing it or its scheme. */
    public static Auth bearer(String token) {
        return new Auth() {
            @Override
            public void authenticate(FuzzRequest request) {
                request.set("Authorization", "Bearer " + token);
            }

            @Override
            public String breakIt(FuzzRequest request, Random random) {
                String[][] ways = {
                        {"no-token", null},
                        {"wrong-token", "Bearer " + token.substring(1) + "x"},
                        {"short-token", "Bearer " + token.substring(0, token.length() - 1)},
                        {"basic-scheme", "Basic " + token},
                        {"lower-case-scheme", "bearer " + token},
                        {"token-twice", "Bearer " + token + ", Bearer " + token},
                        {"empty", ""},
                        {"scheme-only", "Bearer"},
                        {"huge-token", "Bearer " + "A".repeat(4000)}};
                String[] way = ways[random.nextInt(ways.length)];
                request.remove("Authorization");
                if (way[1] != null) {
                    request.add("Authorization", way[1]);
                }
                return way[0];
            }
        };
    }
}
