import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { AccountRecovery, ClientAttributes, FeaturePlan, Mfa, OAuthScope, StandardThreatProtectionMode, StringAttribute, UserPool, UserPoolClient, UserPoolDomain } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/** The custom attribute naming a user's practice; tokens carry it as `custom:practiceId`. */
export const PRACTICE_ATTRIBUTE = 'practiceId';

export interface PracticeUserPoolProps {
  /**
   * The staff web app's URL (`https://<api>/app/`): the hosted sign-in's only callback and
   * logout URL. Built from the HTTP API's id, so it does not depend on any function.
   */
  readonly appUrl: string;
  /** The hosted sign-in's domain prefix: `https://<prefix>.auth.<region>.amazoncognito.com`. */
  readonly domainPrefix: string;
}

/** The OAuth scopes the web app asks for (web/src/cognito.ts): an ID token with the user's email. */
export const WEB_APP_SCOPES = [OAuthScope.OPENID, OAuthScope.EMAIL] as const;

/**
 * Practice staff sign in here. Users are created by an administrator with `custom:practiceId`
 * set once (it is immutable), TOTP MFA is required, and the Plus tier's threat protection blocks
 * risky sign-ins. Practice routes accept this pool's ID tokens through `authorizer`.
 *
 * One public client (no secret) serves both ways in: SRP for API callers (Amplify's `signIn`) and
 * Cognito's hosted sign-in for the web app, authorization code grant only, which the app redeems
 * with PKCE (web/src/cognito.ts). Both give ID tokens whose `aud` is this client.
 */
export class PracticeUserPool extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly authorizer: HttpJwtAuthorizer;
  /** The hosted sign-in, `https://<prefix>.auth.<region>.amazoncognito.com` (KNEADPAY_COGNITO_DOMAIN). */
  readonly signInDomain: UserPoolDomain;

  constructor(scope: Construct, id: string, props: PracticeUserPoolProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'Pool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: { [PRACTICE_ATTRIBUTE]: new StringAttribute({ minLen: 1, maxLen: 64, mutable: false }) },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.client = this.userPool.addClient('StaffClient', {
      // A browser cannot keep a secret: the code is bound to the app by PKCE instead.
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [...WEB_APP_SCOPES],
        callbackUrls: [props.appUrl],
        logoutUrls: [props.appUrl],
      },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      // The practice claim is read-only to the client: only an administrator assigns it.
      readAttributes: new ClientAttributes().withStandardAttributes({ email: true, emailVerified: true }).withCustomAttributes(PRACTICE_ATTRIBUTE),
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
    });
    this.signInDomain = this.userPool.addDomain('SignIn', { cognitoDomain: { domainPrefix: props.domainPrefix } });
    // Custom attributes are in ID tokens only, so callers send the ID token (its `aud` is the client id).
    this.authorizer = new HttpJwtAuthorizer('PracticeStaff', this.userPool.userPoolProviderUrl, {
      jwtAudience: [this.client.userPoolClientId],
      identitySource: ['$request.header.Authorization'],
    });
  }
}
