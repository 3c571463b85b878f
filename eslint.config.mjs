import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "policies/node_modules/**", "build/**", ".venv/**", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  // One-way architecture: components declare their own inputs; only stacks/ maps config onto them.
  {
    files: ["components/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/stacks", "**/stacks/**"],
              message:
                "components never import from stacks/: declare the input in the component's Args and map it in stacks/.",
            },
          ],
        },
      ],
    },
  },
  // chai's property assertions (`expect(x).to.be.empty`) are expressions by design.
  { files: ["tests/**/*.ts"], rules: { "@typescript-eslint/no-unused-expressions": "off" } },
);
