package io.tcc;

/**
 * Start-up refused: the application is set up in a way the framework can tell will not work (a missing table, an
 * unsupported library generation, a setting out of range, a declaration the interception cannot honour). It carries
 * what is wrong and what the operator can do apart, so Spring Boot's failure analysis prints them as its
 * "Description" and "Action".
 */
public class TccSetupException extends TccException {

    private final String problem;
    private final String action;

    /**
     * @param problem what is wrong, naming the property key, table or method concerned
     * @param action  what to do about it
     */
    public TccSetupException(String problem, String action) {
        super(problem + ". " + action);
        this.problem = problem;
        this.action = action;
    }

    public String problem() {
        return problem;
    }

    public String action() {
        return action;
    }
}
