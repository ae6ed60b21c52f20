// kleak/agent is loaded for its effect (node -r kleak/agent app.js): it exports nothing.
export {};
